"""Errors: JSON on the API (``{"error": {"status", "message"}}``), a plain page
elsewhere; never a traceback. Unexpected errors are logged by type only (an
exception's text could hold values) and answered 500."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from matequity.errors import UserError
from matequity.web.auth.deps import LoginRequired
from matequity.web.authz import Forbidden
from matequity.web.data import NotFound

log = logging.getLogger("matequity.web")
HEADINGS = {
    400: "That request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    422: "That request could not be used",
    429: "Too many requests",
    500: "Something went wrong",
}


def _api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def respond(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    if _api(request) or request.url.path in ("/healthz", "/openapi.json"):
        return JSONResponse(
            {"error": {"status": status, "message": message}}, status_code=status, headers=headers
        )
    ctx = request.app.state.ctx
    html = ctx.templates.get_template("error.html.j2").render(
        user=None,
        csrf_token="",
        status=status,
        heading=HEADINGS.get(status, "Error"),
        message=message,
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            return respond(request, 401, "your session has ended: sign in again")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return respond(request, 404, str(exc))

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return respond(request, 403, str(exc))

    @app.exception_handler(UserError)
    async def _user(request: Request, exc: UserError) -> Response:
        return respond(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return respond(request, 422, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        msg = exc.detail if isinstance(exc.detail, str) else HEADINGS.get(exc.status_code, "error")
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"no such page: {request.url.path}"
        if exc.status_code == 405:
            msg = f"{request.method} is not allowed here"
        return respond(request, exc.status_code, msg, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return respond(request, 500, "an unexpected error; it has been logged")

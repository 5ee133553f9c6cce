"""FastAPI dependencies: the identity of an API request (bearer token or
session cookie) and of a page request (session cookie), and the CSRF check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from matequity.web.auth import csrf
from matequity.web.auth.identity import Identity
from matequity.web.context import Ctx


class LoginRequired(Exception):
    """A page needs a signed-in user (answered with a redirect to the log-in page)."""


def _first(request: Request, authenticators) -> Identity | None:
    for a in authenticators:
        ident = a.authenticate(request)
        if ident is not None:
            return ident
    return None


#: documents the bearer scheme in OpenAPI (the check itself is the authenticators')
bearer_scheme = HTTPBearer(auto_error=False, description="An API token: matequity tokens create")


def api_identity(
    request: Request,
    ctx: Ctx,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> Identity:
    ident = _first(request, ctx.api_authenticators)
    if ident is None:
        raise HTTPException(
            401,
            "authentication required: send 'Authorization: Bearer <token>' "
            "(matequity tokens create) or sign in",
            headers={"WWW-Authenticate": "Bearer"},
        )
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if (
        unsafe
        and ident.needs_csrf
        and not csrf.same(request.headers.get(csrf.HEADER), ident.csrf_token)
    ):
        raise HTTPException(403, "CSRF token missing or wrong: send the X-CSRF-Token header")
    return ident


def page_identity(request: Request, ctx: Ctx) -> Identity:
    ident = _first(request, ctx.page_authenticators)
    if ident is None:
        raise LoginRequired
    return ident


def check_form_csrf(ident: Identity, token: str | None) -> None:
    if not csrf.same(token, ident.csrf_token):
        raise HTTPException(403, "the form has expired or did not come from this site: reload it")


#: an API request's identity (bearer token or session cookie with CSRF header)
ApiUser = Annotated[Identity, Depends(api_identity)]
#: a page request's identity (session cookie)
PageUser = Annotated[Identity, Depends(page_identity)]

"""Security headers and request limits (pure ASGI middleware).

* ``Content-Security-Policy``: everything from this origin only, no inline
  script or style, no framing (``frame-ancestors 'none'``), forms post here
  only. The chart pages meet it: the Vega bundle and the embedding code are
  static files, specs travel in ``<script type="application/json">`` blocks, and
  Vega evaluates expressions with its interpreter (``ast: true``), not ``eval``.
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer``, ``Permissions-Policy``,
  ``Cross-Origin-Opener-Policy``/``-Resource-Policy: same-origin``;
  ``Strict-Transport-Security`` when the service is behind HTTPS;
  ``Cache-Control: no-store`` on everything but static files.
* Request bodies above ``max_body_bytes`` get 413 (by Content-Length, and by
  counting a chunked body as it arrives).

(OWASP Secure Headers Project; MDN, Content-Security-Policy.)
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h["Content-Security-Policy"] = CSP
                h["X-Content-Type-Options"] = "nosniff"
                h["X-Frame-Options"] = "DENY"
                h["Referrer-Policy"] = "no-referrer"
                h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                h["Cross-Origin-Opener-Policy"] = "same-origin"
                h["Cross-Origin-Resource-Policy"] = "same-origin"
                if self.https:
                    h["Strict-Transport-Security"] = "max-age=31536000"
                if not static:
                    h["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max = max_bytes

    async def _too_large(self, scope: Scope, send: Send) -> None:
        msg = f"request body too large: at most {self.max} bytes"
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps({"error": {"status": 413, "message": msg}}).encode()
            ctype = b"application/json"
        else:
            body = f"<!doctype html><title>Too large</title><p>{msg}</p>".encode()
            ctype = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = self.max + 1
                if n > self.max:
                    await self._too_large(scope, send)
                    return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            m = await receive()
            if m["type"] == "http.request":
                seen += len(m.get("body", b""))
                if seen > self.max:
                    raise _TooLarge
            return m

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(scope, send)


class _TooLarge(Exception):
    pass

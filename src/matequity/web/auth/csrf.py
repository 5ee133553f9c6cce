"""CSRF protection (OWASP CSRF Prevention Cheat Sheet): every form carries a
token that is compared in constant time with the session's (synchroniser
token); the log-in form, before any session exists, uses a double-submit
cookie. API calls authenticated by a session cookie send the token in an
``X-CSRF-Token`` header; bearer-token calls need none."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

LOGIN_COOKIE = "matequity_login_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf_token"


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def login_token(request: Request, response: Response, secure: bool) -> str:
    """The log-in form's token, reusing the cookie's when present."""
    tok = request.cookies.get(LOGIN_COOKIE)
    if not tok or len(tok) > 100:
        tok = secrets.token_urlsafe(32)
    response.set_cookie(
        LOGIN_COOKIE, tok, max_age=3600, httponly=True, secure=secure, samesite="strict", path="/"
    )
    return tok

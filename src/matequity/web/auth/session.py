"""Session cookies: HttpOnly, SameSite=Lax, Secure when the service is behind
HTTPS (a setting), path /; the value is random and only its digest is stored."""

from __future__ import annotations

import datetime as dt

from fastapi import Request, Response

from matequity.accounts import sessions
from matequity.servicedb import Database
from matequity.web.auth.identity import Identity

COOKIE = "matequity_session"


class SessionAuthenticator:
    def __init__(self, db: Database, idle: dt.timedelta) -> None:
        self.db = db
        self.idle = idle

    def authenticate(self, request: Request) -> Identity | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        s = sessions.lookup(self.db, token, self.idle)
        if s is None:
            return None
        return Identity(s.user, "session", s.id, s.csrf_token)


def set_cookie(response: Response, token: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        COOKIE, token, max_age=max_age, httponly=True, secure=secure, samesite="lax", path="/"
    )


def clear_cookie(response: Response, secure: bool) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, secure=secure, samesite="lax")

"""API tokens: ``Authorization: Bearer mqt_...``."""

from __future__ import annotations

from fastapi import Request

from matequity.accounts import tokens
from matequity.servicedb import Database
from matequity.web.auth.identity import Identity


class BearerAuthenticator:
    def __init__(self, db: Database) -> None:
        self.db = db

    def authenticate(self, request: Request) -> Identity | None:
        h = request.headers.get("authorization", "")
        scheme, _, value = h.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None
        user = tokens.user_for_token(self.db, value.strip())
        return None if user is None else Identity(user, "token")

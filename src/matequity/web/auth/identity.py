"""An authenticated identity, and the interface every authenticator offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from matequity.accounts.users import User


@dataclass(frozen=True)
class Identity:
    user: User
    #: how the request proved it: 'session' (cookie) or 'token' (bearer)
    method: str
    session_id: int | None = None
    csrf_token: str | None = None

    @property
    def needs_csrf(self) -> bool:
        """Cookie-authenticated requests that change state must carry the CSRF token."""
        return self.method == "session"


class Authenticator(Protocol):
    def authenticate(self, request: Request) -> Identity | None: ...

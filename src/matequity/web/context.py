"""What every request handler shares: settings, the service database, the
data-access layer, the templates and the authenticators."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import Depends, Request

from matequity.accounts.login_limits import LoginLimits
from matequity.servicedb import Database
from matequity.web.auth.bearer import BearerAuthenticator
from matequity.web.auth.identity import Authenticator
from matequity.web.auth.session import SessionAuthenticator
from matequity.web.data import DataAccess
from matequity.web.settings import ServiceSettings

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class ServiceContext:
    settings: ServiceSettings
    db: Database
    data: DataAccess

    @cached_property
    def templates(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        return env

    @cached_property
    def sessions(self) -> SessionAuthenticator:
        return SessionAuthenticator(self.db, dt.timedelta(minutes=self.settings.idle_minutes))

    @cached_property
    def api_authenticators(self) -> tuple[Authenticator, ...]:
        return (BearerAuthenticator(self.db), self.sessions)

    @cached_property
    def page_authenticators(self) -> tuple[Authenticator, ...]:
        return (self.sessions,)

    @property
    def login_limits(self) -> LoginLimits:
        s = self.settings
        return LoginLimits(
            s.login_per_account, s.login_per_address, dt.timedelta(minutes=s.login_window_minutes)
        )

    @property
    def session_lifetime(self) -> dt.timedelta:
        return dt.timedelta(hours=self.settings.session_hours)


def context(request: Request) -> ServiceContext:
    return request.app.state.ctx


def client_ip(request: Request) -> str:
    """The peer address (behind a reverse proxy, uvicorn's --forwarded-allow-ips
    makes this the client's; see docs/service.md)."""
    return request.client.host if request.client else "unknown"


#: the shared context as a FastAPI dependency
Ctx = Annotated[ServiceContext, Depends(context)]

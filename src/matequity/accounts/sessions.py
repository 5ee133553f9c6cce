"""Browser sessions: a random cookie value whose SHA-256 digest is stored, a
CSRF token per session, an absolute lifetime and an idle timeout (OWASP Session
Management Cheat Sheet)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from matequity.accounts.secrets_store import digest, new_secret
from matequity.accounts.users import User, _now, _user
from matequity.servicedb import Database
from matequity.servicedb import schema as t

PREFIX = "mqs_"
#: how often the last-seen time is written (not on every request)
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Session:
    id: int
    user: User
    csrf_token: str
    auth_method: str
    expires_at: dt.datetime


def start(
    db: Database, user_id: int, auth_method: str, lifetime: dt.timedelta, ip: str | None
) -> tuple[str, Session]:
    """A new session; returns the cookie value (never stored) and the session."""
    token = new_secret(PREFIX)
    csrf = secrets.token_urlsafe(32)
    now = _now()
    with db.begin() as con:
        sid = con.execute(
            t.sessions.insert()
            .values(
                token_hash=digest(token),
                user_id=user_id,
                csrf_token=csrf,
                auth_method=auth_method,
                created_at=now,
                expires_at=now + lifetime,
                last_seen_at=now,
                ip=(ip or "")[:64] or None,
            )
            .returning(t.sessions.c.id)
        ).scalar_one()
        user = _user(con.execute(sa.select(t.users).where(t.users.c.id == user_id)).one())
    return token, Session(sid, user, csrf, auth_method, now + lifetime)


def lookup(db: Database, token: str, idle: dt.timedelta) -> Session | None:
    """The live session for the cookie value: not ended, not expired, not idle
    longer than ``idle``, of an active user."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    now = _now()
    s, u = t.sessions, t.users
    with db.read() as con:
        row = con.execute(
            sa.select(
                s,
                u.c.email,
                u.c.role,
                u.c.org_code,
                u.c.disabled,
                u.c.created_at.label("user_created_at"),
            )
            .join(u, u.c.id == s.c.user_id)
            .where(s.c.token_hash == digest(token))
        ).first()
    if row is None or row.ended_at is not None or row.disabled:
        return None
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with db.begin() as con:
            con.execute(s.update().where(s.c.id == row.id).values(last_seen_at=now))
    user = User(row.user_id, row.email, row.role, row.org_code, False, row.user_created_at)
    return Session(row.id, user, row.csrf_token, row.auth_method, row.expires_at)


def end(db: Database, session_id: int) -> None:
    with db.begin() as con:
        con.execute(
            t.sessions.update()
            .where((t.sessions.c.id == session_id) & t.sessions.c.ended_at.is_(None))
            .values(ended_at=_now())
        )

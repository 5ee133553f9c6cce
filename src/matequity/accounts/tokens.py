"""API tokens: ``Authorization: Bearer mqt_...``. The token is shown once, when
made; the database keeps its SHA-256 digest only."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from matequity.accounts.secrets_store import digest, new_secret
from matequity.accounts.users import User, _now, _user, normalise_email
from matequity.errors import UserError
from matequity.servicedb import Database
from matequity.servicedb import schema as t

PREFIX = "mqt_"


def create_token(db: Database, email: str, label: str = "", days: int | None = None) -> str:
    """A new token for the user with ``email``; returns the token (never stored)."""
    e = normalise_email(email)
    if days is not None and days <= 0:
        raise UserError("--days: a positive number of days")
    token = new_secret(PREFIX)
    now = _now()
    with db.begin() as con:
        row = con.execute(sa.select(t.users).where(t.users.c.email == e)).first()
        if row is None:
            raise UserError(f"no user {e}; add one with 'matequity users add'")
        if row.disabled:
            raise UserError(f"user {e} is disabled")
        con.execute(
            t.api_tokens.insert().values(
                user_id=row.id,
                token_hash=digest(token),
                label=label or f"token for {e}",
                created_at=now,
                expires_at=None if days is None else now + dt.timedelta(days=days),
            )
        )
    return token


def user_for_token(db: Database, token: str) -> User | None:
    """The active user whose unexpired, unrevoked token this is."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    now = _now()
    with db.read() as con:
        row = con.execute(
            sa.select(t.users)
            .join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
            .where(
                (t.api_tokens.c.token_hash == digest(token))
                & t.api_tokens.c.revoked_at.is_(None)
                & (t.api_tokens.c.expires_at.is_(None) | (t.api_tokens.c.expires_at > now))
                & ~t.users.c.disabled
            )
        ).first()
    return None if row is None else _user(row)

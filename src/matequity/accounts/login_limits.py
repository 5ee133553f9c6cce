"""Log-in rate limits, kept in the service database so that every worker
process sees the same counts: at most ``per_account`` failed attempts for one
email and ``per_address`` for one client address in a sliding window (OWASP
Authentication Cheat Sheet: throttle by account and by source)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from matequity.accounts.users import _now
from matequity.servicedb import Database
from matequity.servicedb import schema as t


@dataclass(frozen=True)
class LoginLimits:
    per_account: int = 5
    per_address: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)


def retry_after(db: Database, email: str, ip: str, limits: LoginLimits) -> int:
    """Seconds until another attempt is allowed (0: allowed now)."""
    now = _now()
    since = now - limits.window
    a = t.login_attempts
    with db.read() as con:
        waits = []
        for col, value, limit in (
            (a.c.email, email, limits.per_account),
            (a.c.ip, ip, limits.per_address),
        ):
            rows = (
                con.execute(
                    sa.select(a.c.at)
                    .where((col == value) & (a.c.at > since) & ~a.c.succeeded)
                    .order_by(a.c.at.desc())
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            if len(rows) >= limit:
                waits.append((rows[-1] + limits.window - now).total_seconds())
    return max([0, *[int(w) + 1 for w in waits]])


def record_attempt(db: Database, email: str, ip: str, succeeded: bool) -> None:
    with db.begin() as con:
        con.execute(
            t.login_attempts.insert().values(
                email=email[:320], ip=ip[:64], at=_now(), succeeded=succeeded
            )
        )

"""Users: an email, a role (admin, national, region, lmns, trust) and, for
region, LMNS and trust users, the organisation code their scope starts from.
Users are disabled, never deleted (the audit log refers to them)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from matequity.accounts import passwords
from matequity.errors import UserError
from matequity.servicedb import Database
from matequity.servicedb import schema as t

ROLES = t.ROLES
#: roles whose scope starts from an organisation, and that organisation's level
ORG_LEVEL = {"region": "region", "lmns": "lmns", "trust": "trust"}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    org_code: str | None
    disabled: bool
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def normalise_email(email: str) -> str:
    e = (email or "").strip().lower()
    if not _EMAIL.match(e):
        raise UserError(f"email {email!r}: expected an address such as name@nhs.net")
    return e


def _user(row) -> User:
    return User(row.id, row.email, row.role, row.org_code, bool(row.disabled), row.created_at)


def validate_role(role: str, org_code: str | None, known: Mapping[str, Collection[str]]) -> None:
    """``known``: organisation codes per level (from the store's organisations table)."""
    if role not in ROLES:
        raise UserError(f"--role {role!r}: expected one of {', '.join(ROLES)}")
    level = ORG_LEVEL.get(role)
    if level is None:
        if org_code:
            raise UserError(f"--org: a {role} user sees everything; give no organisation")
        return
    if not org_code:
        raise UserError(f"--org: a {role} user needs the code of their {level}")
    if org_code not in known.get(level, ()):
        raise UserError(f"--org {org_code!r}: not a {level} code in the store's organisations")


def add_user(
    db: Database,
    email: str,
    role: str,
    org_code: str | None,
    password: str | None,
    known: Mapping[str, Collection[str]],
) -> User:
    """A new user (``password`` None: no password log-in, e.g. an identity provider)."""
    e = normalise_email(email)
    validate_role(role, org_code, known)
    h = passwords.hash_password(password) if password is not None else None
    with db.begin() as con:
        if con.execute(sa.select(t.users.c.id).where(t.users.c.email == e)).first():
            raise UserError(f"user {e} already exists")
        uid = con.execute(
            t.users.insert()
            .values(
                email=e,
                role=role,
                org_code=org_code or None,
                password_hash=h,
                disabled=False,
                created_at=_now(),
            )
            .returning(t.users.c.id)
        ).scalar_one()
        row = con.execute(sa.select(t.users).where(t.users.c.id == uid)).one()
    return _user(row)


def list_users(db: Database) -> list[User]:
    with db.read() as con:
        return [_user(r) for r in con.execute(sa.select(t.users).order_by(t.users.c.email))]


def by_email(db: Database, email: str) -> tuple[User, str | None] | None:
    """(user, password hash) for ``email`` (None if unknown)."""
    try:
        e = normalise_email(email)
    except UserError:
        return None
    with db.read() as con:
        row = con.execute(sa.select(t.users).where(t.users.c.email == e)).first()
    return None if row is None else (_user(row), row.password_hash)


def by_id(db: Database, user_id: int) -> User | None:
    with db.read() as con:
        row = con.execute(sa.select(t.users).where(t.users.c.id == user_id)).first()
    return None if row is None else _user(row)


def disable_user(db: Database, email: str) -> User:
    """Disable the account and end its sessions and tokens."""
    e = normalise_email(email)
    now = _now()
    with db.begin() as con:
        row = con.execute(sa.select(t.users).where(t.users.c.email == e)).first()
        if row is None:
            raise UserError(f"no user {e}; see 'matequity users list'")
        con.execute(
            t.users.update().where(t.users.c.id == row.id).values(disabled=True, disabled_at=now)
        )
        con.execute(
            t.sessions.update()
            .where((t.sessions.c.user_id == row.id) & t.sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
        con.execute(
            t.api_tokens.update()
            .where((t.api_tokens.c.user_id == row.id) & t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        row = con.execute(sa.select(t.users).where(t.users.c.id == row.id)).one()
    return _user(row)


def set_password(db: Database, user_id: int, password: str) -> None:
    h = passwords.hash_password(password)
    with db.begin() as con:
        con.execute(t.users.update().where(t.users.c.id == user_id).values(password_hash=h))


def rehash_if_needed(db: Database, user_id: int, stored: str, password: str) -> None:
    """After a successful log-in: store a fresh hash when the parameters changed."""
    if passwords.needs_rehash(stored):
        set_password(db, user_id, password)

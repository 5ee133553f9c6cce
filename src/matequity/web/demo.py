"""Demo accounts for the service on the demo store: one user per role, their
passwords generated afresh on every call and returned (to be printed once:
only hashes are stored). The demo's signals are registered first so that the
inbox has something to show; the trust chosen is one with a signal."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from matequity.accounts import users
from matequity.accounts.scope import all_codes
from matequity.signals import register
from matequity.signals.workflow import open_service, run

DOMAIN = "demo.invalid"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    org_code: str | None
    org_name: str | None
    password: str


def create_demo_accounts(
    store: str | Path, database: str | None = None, today: dt.date | None = None
) -> tuple[DemoAccount, ...]:
    """Register the store's MOSS signals (as of ``today``), then make or reset
    one account per role: admin, national, and the region, LMNS and trust of
    the first site with a signal (else the first site)."""
    svc = open_service(store, "duckdb", database)
    run(svc, today or dt.date.today())
    orgs = svc.organisations()
    reg = register.listing(svc.db)
    site = reg["site_code"].iloc[0] if len(reg) else orgs["site_code"].iloc[0]
    o = orgs[orgs["site_code"] == site].iloc[0]
    known = all_codes(orgs)
    wanted = [
        ("admin", None, None),
        ("national", None, None),
        ("region", o["region_code"], o["region_name"]),
        ("lmns", o["lmns_code"], o["lmns_name"]),
        ("trust", o["trust_code"], o["trust_name"]),
    ]
    out = []
    for role, code, name in wanted:
        email = f"{role}@{DOMAIN}"
        password = secrets.token_urlsafe(12)
        found = users.by_email(svc.db, email)
        if found is None:
            users.add_user(svc.db, email, role, code, password, known)
        else:
            users.set_password(svc.db, found[0].id, password)
        out.append(DemoAccount(email, role, code, name, password))
    svc.db.dispose()
    return tuple(out)

"""Shared helpers of the service tests: service databases on SQLite and on
PostgreSQL (a fresh database per test in the cluster that .ci/run starts:
MATEQUITY_TEST_POSTGRES_URL; with MATEQUITY_REQUIRE_POSTGRES=1 a missing
cluster fails the tests instead of skipping them), a populated service world
(signals registered from the synthetic store, one user and token per role),
and log-in over HTTP."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from matequity.accounts import tokens, users
from matequity.accounts.scope import all_codes
from matequity.signals import workflow

PG_ENV = "MATEQUITY_TEST_POSTGRES_URL"
REQUIRE_PG = os.environ.get("MATEQUITY_REQUIRE_POSTGRES") == "1"
PASSWORD = "a long test password 1"
BACKENDS = ("sqlite", "postgresql")


def postgres_base() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if REQUIRE_PG:
            pytest.fail(f"{PG_ENV} is not set but MATEQUITY_REQUIRE_POSTGRES=1")
        pytest.skip(f"no PostgreSQL: set {PG_ENV} (scripts/start-postgres.sh)")
    return url


@contextmanager
def database_url(backend: str, folder: Path) -> Iterator[str]:
    """A new, empty service database URL on ``backend``; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'service-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    base = make_url(postgres_base())
    name = f"mq_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    q = admin.dialect.identifier_preparer.quote
    with admin.connect() as con:
        con.exec_driver_sql(f"CREATE DATABASE {q(name)}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as con:
            con.exec_driver_sql(f"DROP DATABASE IF EXISTS {q(name)} WITH (FORCE)")
        admin.dispose()


@dataclass
class Account:
    role: str
    org: str | None
    email: str
    token: str


@dataclass
class World:
    store: Path
    url: str
    svc: workflow.ServiceStore
    orgs: pd.DataFrame
    register: pd.DataFrame
    #: site A (with a signal): its trust, LMNS and region have accounts
    site_a: str
    #: site B (with a signal) in another region
    site_b: str
    accounts: dict[str, Account]
    signal_a: str
    signal_b: str

    def org_of(self, site: str, level: str) -> str:
        return str(self.orgs.loc[self.orgs["site_code"] == site, f"{level}_code"].iloc[0])

    def sites_of(self, level: str, code: str) -> set[str]:
        return set(self.orgs.loc[self.orgs[f"{level}_code"] == code, "site_code"])


def build_world(store: Path, url: str, detected: dt.date | None = None) -> World:
    svc = workflow.open_service(store, "duckdb", url)
    workflow.run(svc, detected or dt.date.today(), reference_rate=0.002)
    orgs = svc.organisations()
    reg = workflow.register.listing(svc.db)
    region = dict(zip(orgs["site_code"], orgs["region_code"], strict=True))
    site_a = reg["site_code"].iloc[0]
    site_b = next(s for s in reg["site_code"] if region[s] != region[site_a])
    known = all_codes(orgs)
    o = orgs.set_index("site_code")
    wanted = {
        "admin": None,
        "national": None,
        "region": o.loc[site_a, "region_code"],
        "lmns": o.loc[site_a, "lmns_code"],
        "trust": o.loc[site_a, "trust_code"],
        "trust_b": o.loc[site_b, "trust_code"],
        "lmns_b": o.loc[site_b, "lmns_code"],
    }
    accounts = {}
    for key, org in wanted.items():
        role = key.removesuffix("_b")
        email = f"{key}@test.invalid"
        users.add_user(svc.db, email, role, org, PASSWORD, known)
        accounts[key] = Account(role, org, email, tokens.create_token(svc.db, email))
    sig = dict(zip(reg["site_code"], reg["signal_id"], strict=False))
    return World(store, url, svc, orgs, reg, site_a, site_b, accounts, sig[site_a], sig[site_b])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def form_token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the log-in form; returns the response to the POST."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": form_token(page.text),
            "next": "/signals",
        },
        follow_redirects=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store: Path, *extra: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """``matequity serve`` as a real process on 127.0.0.1; waits for /healthz."""
    port = free_port()
    exe = Path(sys.executable).with_name("matequity")
    proc = subprocess.Popen(
        [
            str(exe),
            "serve",
            "--store",
            str(store),
            "--port",
            str(port),
            "--workers",
            str(workers),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode())
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise AssertionError("the server did not answer /healthz")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

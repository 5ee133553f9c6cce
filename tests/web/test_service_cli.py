"""The service's commands: users add/list/disable, tokens create, db upgrade,
serve (a real server process on 127.0.0.1 answering /healthz), and the house
rule that the web layer reaches records only through the analyses."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from service_support import start_server, stop_server

SRC = Path(__file__).resolve().parents[2] / "src" / "matequity"


@pytest.fixture
def store(synthetic_store, tmp_path):
    p = tmp_path / "s.duckdb"
    shutil.copy(synthetic_store, p)
    return p


def run(*args, stdin=None):
    return CliRunner().invoke(app, [str(a) for a in args], input=stdin)


def test_users_and_tokens(store):
    r = run(
        "users",
        "add",
        "Trust.Lead@Example.NHS.uk",
        "--role",
        "trust",
        "--org",
        "RAA",
        "--store",
        store,
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert r.exit_code == 0, r.output
    assert "added trust.lead@example.nhs.uk (trust RAA)" in r.output
    assert (store.parent / "s.service.sqlite").exists()
    r = run(
        "users",
        "add",
        "x@example.nhs.uk",
        "--role",
        "trust",
        "--org",
        "NOPE",
        "--store",
        store,
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert r.exit_code == 2 and "--org 'NOPE': not a trust code" in r.output
    r = run(
        "users",
        "add",
        "x@example.nhs.uk",
        "--role",
        "lmns",
        "--store",
        store,
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert r.exit_code == 2 and "needs the code of their lmns" in r.output
    r = run(
        "users",
        "add",
        "x@example.nhs.uk",
        "--role",
        "national",
        "--org",
        "RAA",
        "--store",
        store,
        "--password-stdin",
        stdin="pw\n",
    )
    assert r.exit_code == 2 and "sees everything" in r.output
    r = run(
        "users",
        "add",
        "x@example.nhs.uk",
        "--role",
        "national",
        "--store",
        store,
        "--password-stdin",
        stdin="short\n",
    )
    assert r.exit_code == 2 and "at least 12 characters" in r.output
    r = run(
        "users",
        "add",
        "not-an-email",
        "--role",
        "national",
        "--store",
        store,
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert r.exit_code == 2 and "expected an address" in r.output
    r = run(
        "users",
        "add",
        "trust.lead@example.nhs.uk",
        "--role",
        "national",
        "--store",
        store,
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert r.exit_code == 2 and "already exists" in r.output
    r = run("tokens", "create", "trust.lead@example.nhs.uk", "--store", store)
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("mqt_") and len(token) > 40
    r = run("users", "list", "--store", store)
    assert "trust.lead@example.nhs.uk" in r.output and "RAA" in r.output
    r = run("users", "disable", "trust.lead@example.nhs.uk", "--store", store)
    assert r.exit_code == 0 and "disabled" in r.output
    r = run("tokens", "create", "trust.lead@example.nhs.uk", "--store", store)
    assert r.exit_code == 2 and "is disabled" in r.output
    r = run("db", "upgrade", "--store", store)
    assert r.exit_code == 0 and "schema revision 0001" in r.output
    import sqlalchemy as sa

    e = sa.create_engine(f"sqlite:///{store.parent / 's.service.sqlite'}")
    with e.connect() as con:
        hashes = con.execute(sa.text("SELECT token_hash FROM api_tokens")).scalars().all()
        pw = con.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    e.dispose()
    assert token not in hashes and len(hashes[0]) == 64  # only a digest is kept
    assert pw.startswith("$argon2id$")


def test_commands_need_a_store(tmp_path):
    r = run("users", "list", "--store", tmp_path / "missing.duckdb")
    assert r.exit_code == 2 and "no such store" in r.output
    r = run("serve", "--store", tmp_path / "missing.duckdb")
    assert r.exit_code == 2 and "no such store" in r.output
    r = run("db", "upgrade")
    assert r.exit_code == 2 and "give --store or --database" in r.output


def test_serve_passes_its_tuning_to_every_worker(store, monkeypatch):
    """--threads and --store-recheck-seconds reach the settings the workers read;
    impossible values are refused in one line before anything starts."""
    import matequity.web.server as server

    started = []
    monkeypatch.setattr(server, "serve", lambda settings, *a: started.append(settings))
    r = run("serve", "--store", store, "--threads", "2", "--store-recheck-seconds", "5")
    assert r.exit_code == 0, r.output
    assert (started[0].threads, started[0].store_recheck_seconds) == (2, 5.0)
    for opt, value, words in (
        ("--threads", "0", "--threads: at least 1"),
        ("--store-recheck-seconds", "-1", "expected 0 to 86400 seconds"),
        ("--store-recheck-seconds", "nan", "expected 0 to 86400 seconds"),
    ):
        r = run("serve", "--store", store, opt, value)
        assert r.exit_code == 2 and words in r.output, r.output
        assert "Traceback" not in r.output
    assert len(started) == 1


def test_serve_runs_a_production_server_with_workers(store):
    proc, base = start_server(store, workers=2)
    try:
        h = httpx.get(f"{base}/healthz")
        assert h.json()["status"] == "ok"
        assert "server" not in h.headers  # no server banner
        assert httpx.get(f"{base}/api/v1/signals").status_code == 401
        docs = httpx.get(f"{base}/docs")
        assert docs.status_code == 200 and "/static/vendor/swagger-ui-bundle.js" in docs.text
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "matequity"
    finally:
        stop_server(proc)


BANNED = ("duckdb", "ibis", "matequity.engine", "matequity.store", "matequity.counts")


@pytest.mark.parametrize("package", ["web", "outputs/charts"])
def test_the_web_layer_never_reaches_records_directly(package):
    for f in (SRC / package).rglob("*.py"):
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                assert not any(n == b or n.startswith(b + ".") for b in BANNED), f"{f}: imports {n}"

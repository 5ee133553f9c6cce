"""``matequity serve``, ``matequity users ...``, ``matequity tokens create`` and
``matequity db upgrade``: the web service and its accounts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import EngineName, EngineOpt, StoreOpt, app, console, user_errors
from matequity.errors import UserError
from matequity.web.settings import ServiceSettings

users_app = typer.Typer(help="Accounts of the web service.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens of the web service.", no_args_is_help=True)
db_app = typer.Typer(help="The service database (migrations).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Service database URL (default: SQLite next to the store; "
        "postgresql+psycopg://user:password@host/db for PostgreSQL).",
    ),
]


@app.command("serve")
@user_errors
def serve_cmd(
    store: StoreOpt,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    policy: Annotated[
        str, typer.Option(help="Publication policy for figures outside a user's scope.")
    ] = "nhs",
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Mark cookies Secure and send HSTS (behind HTTPS).",
        ),
    ] = False,
    base_url: Annotated[
        str | None, typer.Option(help="Address users reach the service at (for links).")
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(help="Trust X-Forwarded-* from these proxy addresses (reverse proxy)."),
    ] = None,
    threads: Annotated[
        int, typer.Option(help="Requests each worker runs at once (more wait their turn).")
    ] = ServiceSettings.threads,
    store_recheck_seconds: Annotated[
        float,
        typer.Option(help="Seconds between looks at the store's files (an ingest is seen then)."),
    ] = ServiceSettings.store_recheck_seconds,
) -> None:
    """Run the web service (FastAPI under uvicorn): pages, the API at /api/v1,
    OpenAPI docs at /docs, GET /healthz."""
    from matequity.disclosure.policy import get as get_policy
    from matequity.web.server import serve

    get_policy(policy)
    if not store.exists():
        raise UserError(f"{store}: no such store; run 'matequity ingest' first")
    if workers < 1:
        raise UserError("--workers: at least 1")
    if threads < 1:
        raise UserError("--threads: at least 1")
    if not 0 <= store_recheck_seconds <= 86400:
        raise UserError("--store-recheck-seconds: expected 0 to 86400 seconds")
    settings = ServiceSettings(
        store=str(store.resolve()),
        engine_kind=engine.value,
        database_url=database,
        policy=policy,
        secure_cookies=secure_cookies,
        base_url=base_url or f"http://{host}:{port}",
        threads=threads,
        store_recheck_seconds=store_recheck_seconds,
    )
    from matequity.signals.workflow import open_service

    svc = open_service(store, engine.value, database)
    svc.db.dispose()
    console.print(
        f"matequity service on http://{host}:{port} ({workers} worker(s)); "
        f"database {svc.db.display_url}"
    )
    serve(settings, host, port, workers, forwarded_allow_ips)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        pw = sys.stdin.readline().rstrip("\r\n")
        if not pw:
            raise UserError("--password-stdin: no password on standard input")
        return pw
    pw = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return pw


@users_app.command("add")
@user_errors
def users_add(
    email: Annotated[str, typer.Argument(help="The user's email address (their log-in).")],
    role: Annotated[str, typer.Option(help="admin, national, region, lmns or trust.")],
    store: StoreOpt,
    org: Annotated[
        str | None, typer.Option("--org", help="Region, LMNS or trust code (for those roles).")
    ] = None,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user. The organisation must be in the store's organisations table."""
    from matequity.accounts import users
    from matequity.accounts.scope import all_codes
    from matequity.signals.workflow import open_service

    svc = open_service(store, engine.value, database)
    known = all_codes(svc.organisations())
    users.validate_role(role, org, known)
    u = users.add_user(svc.db, email, role, org, _read_password(password_stdin), known)
    from matequity import audit

    audit.record(svc.db, "cli", "user_added", u.email, {"role": u.role, "org_code": u.org_code})
    console.print(f"added {u.email} ({u.role}{' ' + u.org_code if u.org_code else ''})")


@users_app.command("list")
@user_errors
def users_list(
    store: StoreOpt, engine: EngineOpt = EngineName.duckdb, database: DatabaseOpt = None
) -> None:
    """Every user: email, role, organisation, whether disabled."""
    from rich.table import Table

    from matequity.accounts import users
    from matequity.signals.workflow import open_service

    svc = open_service(store, engine.value, database)
    t = Table(title="Users")
    for c in ("email", "role", "org", "disabled", "created (UTC)"):
        t.add_column(c)
    for u in users.list_users(svc.db):
        t.add_row(
            u.email,
            u.role,
            u.org_code or "",
            "yes" if u.disabled else "",
            f"{u.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(t)


@users_app.command("disable")
@user_errors
def users_disable(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    store: StoreOpt,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
) -> None:
    """Disable a user: their sessions end and their tokens stop working."""
    from matequity import audit
    from matequity.accounts import users
    from matequity.signals.workflow import open_service

    svc = open_service(store, engine.value, database)
    u = users.disable_user(svc.db, email)
    audit.record(svc.db, "cli", "user_disabled", u.email)
    console.print(f"disabled {u.email}")


@tokens_app.command("create")
@user_errors
def tokens_create(
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
    store: StoreOpt,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Create an API token (printed once, as the last line; only its hash is kept)."""
    from matequity import audit
    from matequity.accounts import tokens
    from matequity.signals.workflow import open_service

    svc = open_service(store, engine.value, database)
    tok = tokens.create_token(svc.db, email, label, days)
    audit.record(
        svc.db, "cli", "token_created", email.strip().lower(), {"label": label, "days": days}
    )
    console.print("API token (shown once; send it as 'Authorization: Bearer <token>'):")
    print(tok)


@db_app.command("upgrade")
@user_errors
def db_upgrade(
    store: Annotated[
        Path | None, typer.Option("--store", help="The store (database next to it).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Migrate the service database to the newest schema (idempotent)."""
    from matequity.servicedb import default_url, open_database
    from matequity.servicedb.migrate import current

    if store is None and database is None:
        raise UserError("give --store or --database")
    db = open_database(database or default_url(store))
    console.print(f"{db.display_url}: schema revision {current(db.engine)}")

"""Opening the service database: SQLite next to the store by default, or
PostgreSQL (``postgresql+psycopg://...``).

SQLite is set up for several processes (service workers, cron jobs): WAL
journal, a busy timeout, foreign keys on, and every transaction that may write
started with ``BEGIN IMMEDIATE`` so that writers queue instead of failing
half-way (the SQLAlchemy documentation's recipe for pysqlite transactions);
reads (:meth:`Database.read`) start a deferred ``BEGIN``, so in WAL mode they
neither wait for a writer nor hold one up (SQLite documentation, "Write-Ahead
Logging": readers do not block writers and a writer does not block readers).
PostgreSQL runs
at its default READ COMMITTED; the register locks a signal's row while it
appends to its history.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from matequity.errors import UserError

#: the execution option that marks a connection as reading only
READ_OPTION = "matequity_read_only"


@dataclass(frozen=True)
class Database:
    """The service database: an SQLAlchemy engine and where it is (password hidden)."""

    engine: sa.Engine
    display_url: str
    #: SQLite: a process's writers queue here, woken as soon as the one before
    #: commits, rather than in SQLite's busy handler, which sleeps in steps of
    #: up to 100 ms (one writer at a time either way)
    _writers: threading.RLock = field(default_factory=threading.RLock, compare=False, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A connection in a transaction, committed on success, rolled back on error."""
        if self.dialect != "sqlite":
            with self.engine.begin() as con:
                yield con
            return
        with self._writers, self.engine.begin() as con:
            yield con

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection for reading only (never commit through it)."""
        with self.engine.connect() as con:
            yield con.execution_options(**{READ_OPTION: True})

    def dispose(self) -> None:
        self.engine.dispose()


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3; only SQLite and PostgreSQL are accepted."""
    try:
        u = make_url(url)
    except Exception:
        raise UserError(
            "--database: expected a URL such as sqlite:///path/service.sqlite or "
            "postgresql+psycopg://user@host/dbname"
        ) from None
    backend = u.get_backend_name()
    if backend == "postgresql":
        if u.get_driver_name() not in ("psycopg", "postgresql") and "+" in u.drivername:
            raise UserError(f"--database: driver {u.drivername!r}: use postgresql+psycopg://")
        u = u.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise UserError(f"--database: {backend!r} is not supported: use sqlite or postgresql")
    return u.render_as_string(hide_password=False)


def _sqlite_engine(url: str) -> sa.Engine:
    u = make_url(url)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_con, _record) -> None:  # pragma: no cover - exercised by every test
        dbapi_con.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(con) -> None:  # pragma: no cover - exercised by every test
        read = con.get_execution_options().get(READ_OPTION, False)
        con.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine


def connect(url: str) -> Database:
    """The database at ``url`` (not migrated: see :func:`matequity.servicedb.open_database`)."""
    url = normalise_url(url)
    display = make_url(url).render_as_string(hide_password=True)
    if make_url(url).get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    try:
        with engine.connect() as con:
            con.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as e:
        engine.dispose()
        reason = str(e.orig).strip().splitlines()[0] if e.orig else "cannot connect"
        raise UserError(f"service database {display}: {reason}") from None
    return Database(engine, display)

"""The service database on SQLite and PostgreSQL: the shipped migrations give
exactly the schema the code uses, the history tables refuse UPDATE and DELETE
inside the database (raw SQL, bypassing matequity), concurrent check
submissions from many threads are all kept, and the default location sits
next to the store."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from matequity.errors import UserError
from matequity.servicedb import default_url, normalise_url, open_database
from matequity.servicedb.migrate import HEAD, VERSION_TABLE, current, head, upgrade
from matequity.servicedb.schema import APPEND_ONLY, metadata
from matequity.signals import register
from service_support import BACKENDS, database_url


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        d = open_database(url)
        yield d
        d.dispose()


def test_migrations_match_the_schema_and_are_idempotent(db):
    assert current(db.engine) == head() == "0001"
    with db.engine.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), metadata) == []
    again = open_database(db.engine.url.render_as_string(hide_password=False))
    assert current(again.engine) == head()
    again.dispose()


def test_the_quick_check_knows_the_newest_revision(db):
    """``upgrade`` trusts ``alembic_version`` = HEAD without Alembic: HEAD must be
    the scripts' newest revision, and any other state goes to Alembic (an
    unknown revision is its error; a database never migrated is migrated)."""
    assert head() == HEAD
    version = sa.table(VERSION_TABLE, sa.column("version_num"))
    with db.begin() as con:
        con.execute(sa.update(version).values(version_num="older"))
    with pytest.raises(Exception, match="older"):  # Alembic looks for that revision
        upgrade(db.engine)
    with db.begin() as con:
        con.execute(sa.delete(version))
    assert current(db.engine) is None
    with db.begin() as con:  # never migrated: no tables and no revision
        metadata.drop_all(con)
    assert upgrade(db.engine) == HEAD == current(db.engine)


def _one_of_each(db) -> None:
    chart = pd.DataFrame({"site_code": ["S1"], "month": ["2025-01"], "level": [2]})
    register.register(db, chart, dt.date(2025, 3, 3))
    sid = "moss:S1:2025-01:L2"
    register.record_check(
        db, sid, register.Check("HoM", dt.date(2025, 3, 4), "f", "a", "assured"), "cli"
    )
    from matequity import audit
    from matequity.notify.dispatch import deliver

    audit.record(db, "someone", "view", "S1")
    deliver(db, "k1", sid, "new_signal", "email", "x@y.invalid", "subject", lambda: None)


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("statement", ["UPDATE", "DELETE"])
def test_history_tables_refuse_update_and_delete_in_the_database(db, table, statement):
    _one_of_each(db)
    col = {
        "signals": "site_code",
        "signal_events": "recorded_by",
        "signal_checks": "findings",
        "notifications": "subject",
        "notification_deliveries": "status",
        "audit_log": "actor",
    }[table]
    q = db.engine.dialect.identifier_preparer.quote
    sql = (
        f"UPDATE {q(table)} SET {q(col)} = :v"
        if statement == "UPDATE"
        else f"DELETE FROM {q(table)}"
    )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.begin() as con:
        con.execute(sa.text(sql), {"v": "sent"})
    with db.engine.connect() as con:
        assert con.execute(sa.text(f"SELECT count(*) FROM {q(table)}")).scalar_one() >= 1


def test_truncate_refused_on_postgresql(tmp_path):
    with database_url("postgresql", tmp_path) as url:
        d = open_database(url)
        _one_of_each(d)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), d.begin() as con:
            con.execute(sa.text("TRUNCATE audit_log"))
        d.dispose()


def test_concurrent_check_submissions_are_all_kept(db):
    chart = pd.DataFrame({"site_code": ["S1", "S2"], "month": ["2025-01"] * 2, "level": [1, 2]})
    register.register(db, chart, dt.date(2025, 3, 3))
    sids = ["moss:S1:2025-01:L1", "moss:S2:2025-01:L2"]
    threads, per_thread, errors = 8, 5, []
    barrier = threading.Barrier(threads)

    def submit(i: int) -> None:
        barrier.wait()
        for j in range(per_thread):
            try:
                register.record_check(
                    db,
                    sids[(i + j) % 2],
                    register.Check(f"checker {i}-{j}", dt.date(2025, 3, 5), "f", "a", "assured"),
                    f"user{i}",
                )
            except Exception as e:
                errors.append(repr(e))

    ts = [threading.Thread(target=submit, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    total = 0
    for sid in sids:
        c = register.checks(db, sid)
        h = register.history(db, sid)
        assert c["check_no"].tolist() == list(range(1, len(c) + 1))
        assert h["event_no"].tolist() == list(range(1, len(c) + 2))
        total += len(c)
    every = {f"checker {i}-{j}" for i in range(threads) for j in range(per_thread)}
    got = set(register.checks(db, sids[0])["checked_by"]) | set(
        register.checks(db, sids[1])["checked_by"]
    )
    assert total == threads * per_thread and got == every


def test_default_location_next_to_the_store(tmp_path):
    store = tmp_path / "store.duckdb"
    store.write_bytes(b"")
    assert default_url(store) == f"sqlite:///{tmp_path.resolve() / 'store.service.sqlite'}"
    folder = tmp_path / "parquet"
    folder.mkdir()
    assert default_url(folder) == f"sqlite:///{folder.resolve() / 'service.sqlite'}"


def test_database_urls_are_checked():
    assert normalise_url("postgresql://u:p@h/db").startswith("postgresql+psycopg://")
    with pytest.raises(UserError, match="not supported"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(UserError, match="expected a URL"):
        normalise_url("not a url at all")
    with pytest.raises(UserError, match="service database"):
        open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")


def test_unreachable_postgres_message_hides_the_password():
    with pytest.raises(UserError) as e:
        open_database("postgresql+psycopg://nobody:s3cr3t@127.0.0.1:1/none")
    assert "s3cr3t" not in str(e.value) and "***" in str(e.value)


def test_sqlite_database_folder_is_created(tmp_path):
    p = tmp_path / "a" / "b" / "service.sqlite"
    d = open_database(f"sqlite:///{p}")
    assert Path(p).exists()
    d.dispose()


def test_reads_neither_wait_for_a_writer_nor_hold_one_up(db):
    """A read while another connection holds a write transaction answers at
    once with the committed state, and a write goes ahead while a read is open
    (SQLite: reads start a deferred BEGIN in WAL mode; PostgreSQL: MVCC)."""
    from matequity import audit

    audit.record(db, "first", "view", "S1")
    with db.begin() as writer:
        audit.record(writer, "second", "view", "S2")
        t0 = dt.datetime.now()
        with db.read() as con:
            n = con.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one()
        assert n == 1  # the writer's row is not committed yet
        assert (dt.datetime.now() - t0).total_seconds() < 5  # not the 30 s busy wait
    with db.read() as con:
        con.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one()
        audit.record(db, "third", "view", "S3")  # a writer while the read is open
    assert set(audit.entries(db)["actor"]) == {"first", "second", "third"}

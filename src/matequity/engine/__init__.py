"""Engines behind one interface: the only way into a store.

Reading::

    from matequity import engine

    with engine.open("duckdb", "store.duckdb") as eng:
        df = eng.execute(eng.table("babies_derived").count())

An engine owns its connection: tables by name (:meth:`~base.Engine.table`, the
names in :mod:`matequity.engine.tables`), :meth:`~base.Engine.has_table`,
running an Ibis expression (:meth:`~base.Engine.execute`, a pandas frame), two
plain-Python reads that need neither pandas nor Ibis (:meth:`~base.Engine.sums`,
the one GROUP BY a count table is made of, and :meth:`~base.Engine.rows`, a small
table's rows), the store's content version (:meth:`~base.Engine.version`, which
changes on every load) and closing. DuckDB (a store file, the embedded
default) and Spark (a folder of Parquet tables, or ``catalog:DATABASE`` in a
SparkSession's catalog) implement it; everything above the engine is the same
Ibis code on both.

Writing (ingest and the derived store only): ``with engine.writer(kind,
location) as w:`` gives one all-or-nothing write; the store changes only if the
block ends without an error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from matequity.engine.base import Engine, Writer
from matequity.errors import UserError

KINDS: tuple[str, ...] = ("duckdb", "spark")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UserError(f"unknown engine '{kind}': expected {' or '.join(KINDS)}")


def open(
    kind: str = "duckdb",
    location: str | Path = "",
    session: Any = None,
    *,
    derive: bool = True,
) -> Engine:
    """The engine of ``kind`` on the store at ``location``, for reading; use it
    as a context manager so its connection is closed. ``session``: a
    SparkSession for the Spark engine (default: local mode). The derived tables
    are rebuilt first if they are missing or stale (``derive=False`` skips that,
    for tools that read only the record tables)."""
    _check_kind(kind)
    eng = _reader(kind, location, session)
    if derive:
        from matequity.engine import derived

        if not derived.is_current(eng):
            eng.close()
            with writer(kind, location, session, create=False) as w:
                derived.build(w)
            eng = _reader(kind, location, session)
    return eng


def _reader(kind: str, location: str | Path, session: Any) -> Engine:
    if kind == "duckdb":
        from matequity.engine.duckdb_store import DuckDBStore

        return DuckDBStore(location)
    from matequity.engine.spark_store import SparkStore

    return SparkStore(location, session)


@contextlib.contextmanager
def writer(
    kind: str = "duckdb", location: str | Path = "", session: Any = None, *, create: bool = True
) -> Iterator[Writer]:
    """One all-or-nothing write to the store (created if absent and ``create``)."""
    _check_kind(kind)
    if kind == "duckdb":
        from matequity.engine.duckdb_store import writer as duck_writer

        with duck_writer(location, create=create) as w:
            yield w
    else:
        from matequity.engine.spark_store import writer as spark_writer

        with spark_writer(location, session, create=create) as w:
            yield w


__all__ = ["KINDS", "Engine", "Writer", "open", "writer"]

"""Engines behind one interface.

An engine hands out the three record tables as Ibis tables and executes Ibis
expressions. DuckDB (embedded, the default) reads the local store; Spark reads a
folder of Parquet files (``matequity export`` writes one from a store, or any
pipeline can produce it). Everything else (derivations, counts) is the same Ibis
code whichever engine runs it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pandas as pd

from matequity.errors import UserError

TABLES: tuple[str, ...] = ("babies", "organisations", "imd_lookup")


KINDS: tuple[str, ...] = ("duckdb", "spark")


class Engine(Protocol):
    """What every engine offers (see :mod:`matequity.engine`)."""

    name: str

    def table(self, name: str) -> ir.Table: ...

    def has_table(self, name: str) -> bool: ...

    def execute(self, expr: ir.Expr) -> pd.DataFrame: ...

    def version(self) -> str: ...

    def close(self) -> None: ...


@dataclass
class IbisEngine:
    """An engine is an Ibis backend plus how to find the store's tables."""

    name: str
    backend: Any
    location: str = ""

    def table(self, name: str) -> ir.Table:
        return self.backend.table(name)

    def has_table(self, name: str) -> bool:
        return name in self.backend.list_tables()

    def execute(self, expr: ir.Expr) -> pd.DataFrame:
        return self.backend.execute(expr)

    def version(self) -> str:
        """The store's content version: the loads so far (changes on every ingest)."""
        if not self.has_table("loads"):
            return "0"
        t = self.table("loads")
        n = self.execute(t.aggregate(n=t.count(), last=t.load_id.max()))
        return f"{int(n['n'].iloc[0])}:{n['last'].iloc[0]}"

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.backend.disconnect()

    def __enter__(self) -> IbisEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(kind: str = "duckdb", location: str | Path = "", session: Any = None) -> IbisEngine:
    """The engine of ``kind`` on the store at ``location``; use it as a context
    manager (``with engine.open(...) as eng:``) so its connection is closed."""
    if kind == "duckdb":
        return duckdb_engine(location)
    if kind == "spark":
        return spark_engine(location, session)
    raise UserError(f"unknown engine '{kind}': expected {' or '.join(KINDS)}")


def duckdb_engine(store: str | Path) -> IbisEngine:
    """The embedded default: the DuckDB store file, opened read-only."""
    p = Path(store)
    if not p.exists():
        raise UserError(f"{p}: no such store; run 'matequity ingest' first")
    con = ibis.duckdb.connect(str(p), read_only=True)
    con.raw_sql("SET enable_progress_bar = false")  # no terminal noise from long queries
    return IbisEngine("duckdb", con, str(p))


def spark_engine(folder: str | Path, session: Any = None) -> IbisEngine:
    """Spark over ``folder/{babies,organisations,imd_lookup}.parquet``.

    ``session`` defaults to a local-mode SparkSession; pass a cluster session to
    scale out.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise UserError("the Spark engine needs pyspark: install matequity[spark]") from None
    p = Path(folder)
    missing = [t for t in TABLES if not (p / f"{t}.parquet").exists()]
    if missing:
        raise UserError(
            f"{p}: missing {', '.join(t + '.parquet' for t in missing)}; "
            "write them with 'matequity export'"
        )
    spark = session or (
        SparkSession.builder.master("local[2]")
        .appName("matequity")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    con = ibis.pyspark.connect(spark)
    for t in TABLES:
        con.create_view(t, con.read_parquet(str(p / f"{t}.parquet")), overwrite=True)
    return IbisEngine("spark", con, str(p))

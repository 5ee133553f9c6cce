"""Engines behind one interface.

``matequity.engine.open(kind, location)`` is the only way into a store::

    from matequity import engine

    with engine.open("duckdb", "store.duckdb") as eng:
        babies = eng.table("babies")
        df = eng.execute(babies.count())

An engine owns its connection: tables by name (:meth:`Engine.table`), whether a
table exists (:meth:`Engine.has_table`), running an Ibis expression
(:meth:`Engine.execute`), the store's content version (:meth:`Engine.version`,
which changes whenever records are loaded) and closing. DuckDB (a store file,
the embedded default) and Spark (a folder of Parquet tables, or a SparkSession's
database) implement it. Everything else is the same Ibis code whichever engine
runs it.
"""

from __future__ import annotations

from matequity.engine.backend import KINDS, Engine, open

__all__ = ["KINDS", "Engine", "open"]

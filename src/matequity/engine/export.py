"""Copy a store to another engine's layout (``matequity export``).

A DuckDB store becomes a Spark folder store (its manifest and one Parquet folder
per table, derived tables included, so the Spark engine need not rebuild them).
The copy is written beside the destination and renamed into place at the end:
a failed export leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from pathlib import Path

from matequity.engine import tables
from matequity.engine.duckdb_store import DuckDBStore
from matequity.engine.spark_store import FORMAT, MANIFEST
from matequity.errors import UserError


def export_store(store: str | Path, out: str | Path) -> list[Path]:
    """Write the DuckDB store at ``store`` as a Spark folder store at ``out``
    (a new or empty folder); returns the tables' data folders."""
    from matequity import engine

    o = Path(out)
    if o.exists() and (not o.is_dir() or any(o.iterdir())):
        raise UserError(f"{o}: expected a new or empty folder for the exported store")
    staging = o.with_name(f".{o.name}.export-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    written: list[Path] = []
    try:
        with engine.open("duckdb", store) as src:
            assert isinstance(src, DuckDBStore)
            manifest: dict[str, list[str]] = {}
            for name in tables.ALL_TABLES:
                if not src.has_table(name):
                    continue
                rel = f"data/{name}/{uuid.uuid4().hex}"
                d = staging / rel
                d.mkdir(parents=True)
                src.write_parquet(name, d / "part-0.parquet")
                manifest[name] = [rel]
                written.append(o / rel)
        (staging / MANIFEST).write_text(json.dumps({"format": FORMAT, "tables": manifest}))
        if o.exists():
            o.rmdir()
        os.replace(staging, o)
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(staging)
    return written

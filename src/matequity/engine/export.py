"""Export the store's record tables to Parquet, the Spark engine's input."""

from __future__ import annotations

from pathlib import Path

from matequity import store as store_mod
from matequity.engine.backend import TABLES
from matequity.errors import UserError


def export_store(store: str | Path, out: str | Path) -> list[Path]:
    s = Path(store)
    if not s.exists():
        raise UserError(f"{s}: no such store")
    o = Path(out)
    o.mkdir(parents=True, exist_ok=True)
    con = store_mod.connect(s, read_only=True)
    paths = []
    try:
        for t in TABLES:
            p = o / f"{t}.parquet"
            con.execute(f"COPY {t} TO '{p}' (FORMAT parquet)")
            paths.append(p)
    finally:
        con.close()
    return paths

"""Where a store is, for callers that may not open engines themselves (the web
layer): open it, and a cheap fingerprint that changes whenever the store's
files do (so cached results are dropped after an ingest)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matequity import engine
from matequity.engine.base import Engine
from matequity.engine.spark_store import MANIFEST


@dataclass(frozen=True)
class StoreSource:
    kind: str
    location: str

    def open(self) -> Engine:
        """An engine on the store (a context manager; close it when done)."""
        return engine.open(self.kind, self.location)

    def fingerprint(self) -> str:
        """Size and modification time of the store's files (no engine opened)."""
        p = Path(self.location)
        # a write replaces a DuckDB store's file, or a folder store's manifest
        files = [p / MANIFEST, *sorted(p.glob("*.parquet"))] if p.is_dir() else [p]
        parts = []
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
        return "|".join(parts)

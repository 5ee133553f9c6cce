"""Helpers for the spec tests: an engine's kind and session, stores of its own,
and engine-neutral views of a store's tables and files."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import pytest

from matequity import engine as engines
from matequity.engine import tables
from matequity.ingest.load import FileReport, ingest


def _java() -> bool:
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home and Path(home, "bin", "java").exists())


#: Spark tests are marked ``spark`` and skipped only where there is no Java
SPARK_MARKS = (
    pytest.mark.spark,
    pytest.mark.skipif(not _java(), reason="Spark needs Java (CI has Java 17)"),
)
#: the engines every spec test runs on
KINDS = [pytest.param("duckdb", id="duckdb"), pytest.param("spark", id="spark", marks=SPARK_MARKS)]


def spark_only(test: Callable) -> Callable:
    """A test that runs on Spark only (with the Spark marks)."""
    for mark in SPARK_MARKS:
        test = mark(test)
    return test


@dataclass(frozen=True)
class Backend:
    """One engine: its kind, (for Spark) the SparkSession, and whether its
    stores are databases of the session's catalog rather than folders."""

    kind: str
    session: Any = None
    catalog: bool = False

    @property
    def name(self) -> str:
        return "spark-catalog" if self.catalog else self.kind

    def new_store(self, folder: Path) -> Path | str:
        """A location for a new store, alone in a folder (or database) of its own."""
        if self.catalog:
            return "catalog:mq_" + hashlib.sha1(str(folder).encode()).hexdigest()[:12]
        return folder / "store" / ("s.duckdb" if self.kind == "duckdb" else "folder")

    def open(self, location: Path | str, *, derive: bool = True) -> engines.Engine:
        return engines.open(self.kind, location, self.session, derive=derive)

    def ingest(self, location: Path | str, files: Sequence[Path], **kw: Any) -> list[FileReport]:
        return ingest(location, files, kind=self.kind, session=self.session, **kw)

    def copy(self, location: Path, folder: Path) -> Path:
        """A copy of the store at ``location`` in ``folder`` (a new location)."""
        dest = self.new_store(folder)
        assert isinstance(dest, Path)
        if self.kind == "duckdb":
            dest.parent.mkdir(parents=True)
            shutil.copyfile(location, dest)
        else:
            shutil.copytree(location, dest, ignore=shutil.ignore_patterns(".lock"))
        return dest

    def root(self, location: Path | str) -> Path | None:
        """Where the store's files are: the folder holding a DuckDB store file
        (where its staging copies and lock live too), a folder store, or a
        catalog database's folder in the warehouse (None: no such database)."""
        if not self.catalog:
            p = Path(location)
            return p.parent if self.kind == "duckdb" else p
        db = str(location).removeprefix("catalog:")
        if not self.session.catalog.databaseExists(db):
            return None
        uri = self.session.catalog.getDatabase(db).locationUri
        return Path(urlparse(uri).path)

    def files(self, location: Path | str) -> dict[str, str]:
        """Every file of the store, by path, with its SHA-256."""
        root = self.root(location)
        if root is None or not root.exists():
            return {}
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    def exists(self, location: Path | str) -> bool:
        """Anything of a store at ``location``: the file or folder, the database,
        or any file where they would be."""
        if self.catalog:
            return self.root(location) is not None
        return Path(location).exists() or bool(self.files(location))


def frame(eng: engines.Engine, name: str, drop: Sequence[str] = ()) -> pd.DataFrame:
    """Table ``name`` in a canonical row order (sorted by every column)."""
    df = eng.execute(eng.table(name)).drop(columns=list(drop))
    return df.sort_values(list(df.columns), kind="stable").reset_index(drop=True)


def store_tables(backend: Backend, location: Path | str) -> dict[str, pd.DataFrame]:
    """Every table of the store, read through the engine (no rebuild)."""
    with backend.open(location, derive=False) as eng:
        return {name: frame(eng, name) for name in tables.ALL_TABLES if eng.has_table(name)}


def reports(reps: Sequence[FileReport]) -> list[tuple]:
    """File reports without the paths (which differ between stores)."""
    return [
        (Path(r.file).name, r.kind, r.status, r.rows_read, r.accepted, r.quarantined, r.by_reason)
        for r in reps
    ]

"""The Spark engine: a store in a folder of Parquet tables, or in a database of
a SparkSession's catalog.

Folder store layout::

    FOLDER/matequity-store.json      the manifest: each table's data folders
    FOLDER/data/TABLE/WRITE-ID/      Parquet written by Spark, never changed
    FOLDER/.lock                     held by the one writer at a time

A table is the union of the data folders the manifest lists. A write (ingest,
rebuilding the derived tables) adds new data folders and then replaces the
manifest in one atomic rename, so a failed write leaves the store as it was
(its unlisted folders are removed) and readers see either the old store or the
new one, never half of a write. A folder written by ``matequity export`` before
the manifest existed (``babies.parquet``, ``organisations.parquet``,
``imd_lookup.parquet``) is read as it is.

Vacuum: a data folder that a write stops listing (a replaced table) is not
deleted at once, since a reader that opened the store before the write may
still be reading it; the manifest records when it was retired, and a later
write deletes it once ``RETENTION_SECONDS`` (a day) have passed, as Delta Lake's
``VACUUM`` keeps files for a retention period. A write folder of the store
(``data/TABLE/ID``, ``staging/ID``) that the manifest neither lists nor retires
(left by a writer that was killed, or retired by a version that kept no record)
is retired when a write finds it, and goes a day later like the rest.

Catalog store (``catalog:DATABASE``): the tables are ``DATABASE.TABLE`` in the
session's catalog (Hive metastore, Unity Catalog...), read by name; a write
replaces each changed table with ``saveAsTable`` at the end of the write (Spark
does not make several tables' replacement atomic: use a folder store, or Delta
Lake tables whose history can be rolled back, where that matters).

``session``: the SparkSession to use (a cluster's, from the user's platform);
by default a local-mode session is started once per process.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from matequity.engine import files, tables
from matequity.engine.base import IbisStore, write_lock
from matequity.errors import UserError

MANIFEST = "matequity-store.json"
FORMAT = "matequity-store/1"
CATALOG_PREFIX = "catalog:"
_LEGACY = ("babies", "organisations", "imd_lookup")
#: how long a folder no longer listed is kept for readers that may still use it
RETENTION_SECONDS = 24 * 3600.0
#: the clock the vacuum reads (epoch seconds)
_now = time.time
_ids = itertools.count()


#: the Spark master of the command line's session (a cluster: ``yarn``,
#: ``spark://host:7077``, ``k8s://...``); default local mode on two cores
MASTER_ENV = "MATEQUITY_SPARK_MASTER"


def spark_master(env: Mapping[str, str] = os.environ) -> str | None:
    """The master the session is built with: ``MATEQUITY_SPARK_MASTER`` when
    set; None (left to ``spark-submit``) when ``PYSPARK_SUBMIT_ARGS`` names one;
    else ``local[2]``."""
    if env.get(MASTER_ENV):
        return env[MASTER_ENV]
    if "--master" in env.get("PYSPARK_SUBMIT_ARGS", "").split():
        return None
    return "local[2]"


def default_session() -> Any:
    """The command line's SparkSession (UTC, no UI, quiet logging), made once per
    process: local mode on two cores unless :func:`spark_master` says otherwise."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise UserError("the Spark engine needs pyspark: install matequity[spark]") from None
    log4j = Path(__file__).with_name("spark-log4j2.properties")
    quiet = f"-Dlog4j2.configurationFile=file:{log4j}"
    # the driver's JVM starts before the builder's settings are read: its logging
    # is set where PySpark launches it (unless the user set their own)
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f'--driver-java-options "{quiet}" pyspark-shell')
    builder = SparkSession.builder
    master = spark_master()
    if master is not None:
        builder = builder.master(master)
    return (
        builder.appName("matequity")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", quiet)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .getOrCreate()
    )


def _spark_schema(name: str):
    from ibis.backends.pyspark.datatypes import PySparkSchema

    return PySparkSchema.from_ibis(tables.SCHEMAS[name])


class SparkStore(IbisStore):
    """A Spark store opened for reading."""

    kind = "spark"

    def __init__(
        self,
        location: str | Path,
        session: Any = None,
        manifest: dict[str, list[str]] | None = None,
        *,
        create: bool = False,
    ) -> None:
        self._spark = session or default_session()
        con = ibis.pyspark.connect(self._spark)
        super().__init__(con, str(location))
        self._prefix = f"mq{next(_ids)}_"
        self._views: dict[str, str] = {}
        self._database: str | None = None
        loc = str(location)
        if loc.startswith(CATALOG_PREFIX):
            self._database = database_name(loc)
            self._created_database = False
            self._catalog_tables = self._catalog_listing(create)
            return
        self.folder = Path(loc)
        #: data folders no longer listed -> when they were retired (epoch seconds)
        self.retired: dict[str, float] = {}
        self.manifest = self._read_manifest() if manifest is None else manifest
        for name in self.manifest:
            self._register(name)

    # the catalog
    def _catalog_listing(self, create: bool) -> set[str]:
        """The store's tables in the database (created first if absent and
        ``create``); a store that is not new must hold records."""
        db = self._database
        assert db is not None
        if not self._spark.catalog.databaseExists(db):
            if not create:
                raise UserError(
                    f"{self.location}: no such database in the Spark catalog; run 'matequity "
                    "ingest --engine spark' first"
                )
            self._spark.sql(f"CREATE DATABASE IF NOT EXISTS {_quote(db)}")
            self._created_database = True
        have = {t.name for t in self._spark.catalog.listTables(db) if not t.isTemporary}
        if "babies" not in have and not create:
            raise UserError(f"{self.location}: the database has no 'babies' table")
        if "babies" not in have and have & set(tables.SCHEMAS):
            raise UserError(
                f"{self.location}: the database holds some of a store's tables but no "
                "'babies' table; give a database that is a matequity store or a new one"
            )
        return have

    # the manifest
    def _read_manifest(self) -> dict[str, list[str]]:
        p = self.folder
        if not p.exists():
            raise UserError(f"{p}: no such store; run 'matequity ingest --engine spark' first")
        if not p.is_dir():
            raise UserError(
                f"{p}: a Spark store is a folder (a DuckDB store file needs --engine duckdb)"
            )
        m = p / MANIFEST
        if m.exists():
            try:
                doc = json.loads(m.read_text())
            except (OSError, ValueError):
                raise UserError(f"{m}: the store's manifest is damaged (not JSON)") from None
            if doc.get("format") != FORMAT or not isinstance(doc.get("tables"), dict):
                raise UserError(f"{m}: not a matequity store manifest ({FORMAT})")
            self.retired = _retired(doc.get("retired"))
            return {k: list(v) for k, v in doc["tables"].items()}
        legacy = {t: [f"{t}.parquet"] for t in _LEGACY if (p / f"{t}.parquet").exists()}
        missing = [t for t in _LEGACY if t not in legacy]
        if missing:
            raise UserError(
                f"{p}: not a matequity store: no {MANIFEST}, and missing "
                f"{', '.join(t + '.parquet' for t in missing)}; write one with 'matequity "
                "export' or 'matequity ingest --engine spark'"
            )
        return legacy

    def _register(self, name: str) -> None:
        dirs = [] if self._database is not None else self.manifest.get(name, [])
        paths = [str(self.folder / d) for d in dirs]
        if paths:
            df = self._spark.read.parquet(*paths)
        else:
            df = self._spark.createDataFrame([], _spark_schema(name))
        view = self._prefix + name
        df.createOrReplaceTempView(view)
        self._views[name] = view

    # reading
    def has_table(self, name: str) -> bool:
        if self._database is not None:
            return name in self._catalog_tables
        return name in self._views

    def table(self, name: str) -> ir.Table:
        self.table_exists(name)
        if self._database is not None:
            return self._con.table(name, database=self._database)
        return self._con.table(self._views[name])

    def close(self) -> None:
        """Drop this engine's views; the SparkSession stays (it may be shared)."""
        if self._closed:
            return
        self._closed = True
        for view in self._views.values():
            with contextlib.suppress(Exception):
                self._spark.catalog.dropTempView(view)


class SparkWriter(SparkStore):
    """A folder (or catalog) store open for one all-or-nothing write."""

    def __init__(self, location: str | Path, session: Any, *, create: bool) -> None:
        loc = str(location)
        self._new_dirs: list[Path] = []
        #: catalog store: each changed table as it now reads, its appended rows
        #: (staged), and the tables to be written whole
        self._replaced: dict[str, ir.Table] = {}
        self._parts: dict[str, list[ir.Table]] = {}
        self._overwrite: set[str] = set()
        self._temps: list[str] = []
        manifest = None
        if not loc.startswith(CATALOG_PREFIX):
            p = Path(loc)
            if create and not (p / MANIFEST).exists() and not (p / "babies.parquet").exists():
                _check_new_folder(p)
                manifest = {}
        super().__init__(location, session, manifest, create=create)
        for name in tables.SCHEMAS:
            if self._database is None and name not in self.manifest:
                self.manifest[name] = []
                self._register(name)
            elif self._database is not None and name not in self._catalog_tables:
                self._register(name)  # empty: this write creates it in the database
                self._replaced[name] = self._con.table(self._views[name])

    def stage_file(self, path: Path, name: str) -> files.ReadResult:
        """Read ``path`` with the one file reader (DuckDB), then hand Spark the
        staged rows as Parquet in the store's staging folder."""
        import duckdb

        staging = self._staging_dir()
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            res = files.read_table(con, path, name)
            out = staging / f"{name}.parquet"
            con.table(res.table).write_parquet(str(out))
            df = self._spark.read.parquet(str(out))
            df.createOrReplaceTempView(self._prefix + name)
            self._views[name] = self._prefix + name
            self._temps.append(name)
            rejects = None
            if res.rejects_table:
                rout = staging / f"{name}__lines.parquet"
                con.table(res.rejects_table).write_parquet(str(rout))
                rdf = self._spark.read.parquet(str(rout))
                rdf.createOrReplaceTempView(self._prefix + name + "__lines")
                self._views[name + "__lines"] = self._prefix + name + "__lines"
                rejects = name + "__lines"
            return files.ReadResult(
                res.path,
                res.kind,
                res.format,
                name,
                rejects,
                res.rows_parsed,
                res.rows_malformed,
                res.ignored_columns,
            )
        finally:
            con.close()

    def _staging_dir(self) -> Path:
        if self._database is not None:
            import tempfile

            d = Path(tempfile.mkdtemp(prefix="matequity-spark-staging-"))
        else:
            d = self.folder / "staging" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
            d.mkdir(parents=True, exist_ok=True)
        self._new_dirs.append(d)
        return d

    def _compile(self, obj: ir.Table | pd.DataFrame, target: str | None = None):
        t = ibis.memtable(obj) if isinstance(obj, pd.DataFrame) else obj
        if target is not None and target in tables.SCHEMAS:
            s = tables.SCHEMAS[target]
            t = t.select(
                *[(t[c].cast(s[c]) if c in t.columns else ibis.null(s[c])).name(c) for c in s.names]
            )
        self._con._run_pre_execute_hooks(t)  # registers in-memory tables (DataFrames)
        return self._con._session.sql(self._con.compile(t))

    def _write_dir(self, name: str, obj: ir.Table | pd.DataFrame) -> str:
        rel = f"data/{name}/{uuid.uuid4().hex}"
        d = self.folder / rel
        self._new_dirs.append(d)
        self._compile(obj, name).write.parquet(str(d))
        return rel

    def create_temp(self, name: str, obj: ir.Table | pd.DataFrame) -> ir.Table:
        """Materialise ``obj`` once (Parquet in the staging folder) and read it back."""
        d = self._staging_dir() / name
        self._compile(obj).write.parquet(str(d))
        self._spark.read.parquet(str(d)).createOrReplaceTempView(self._prefix + name)
        self._views[name] = self._prefix + name
        self._temps.append(name)
        return self._con.table(self._prefix + name)

    def insert(self, name: str, obj: ir.Table | pd.DataFrame) -> None:
        if self._database is not None:
            # staged now, appended at the end; reads in this write see the rows
            part = self.create_temp(f"_part{len(self._temps)}_{name}", _ibis(obj, name, self))
            self._parts.setdefault(name, []).append(part)
            self._replaced[name] = self.table(name).union(part)
            return
        self.manifest[name].append(self._write_dir(name, obj))
        self._register(name)

    def replace(
        self, name: str, obj: ir.Table | pd.DataFrame, *, few_values: Sequence[str] = ()
    ) -> None:
        """Replace table ``name`` with ``obj``; ``few_values`` is not needed here
        (Parquet dictionary-encodes text columns with few values by itself)."""
        if self._database is not None:
            staged = self.create_temp(f"_replace{len(self._temps)}_{name}", _ibis(obj, name, self))
            self._replaced[name] = staged
            self._overwrite.add(name)
            self._parts.pop(name, None)
            return
        rel = self._write_dir(name, obj)
        self.manifest[name] = [rel]
        self._register(name)

    def drop_temp(self, name: str) -> None:
        view = self._views.pop(name, None)
        if view:
            with contextlib.suppress(Exception):
                self._spark.catalog.dropTempView(view)

    def table(self, name: str) -> ir.Table:
        if self._database is not None and name in self._replaced:
            return self._replaced[name]
        if self._database is not None and name in self._views:
            return self._con.table(self._views[name])
        return super().table(name)

    def has_table(self, name: str) -> bool:
        return name in self._views or super().has_table(name)

    # ending the write
    def commit(self) -> None:
        if self._database is not None:
            # every table is written from the staging folder, never from itself
            for name, t in self._replaced.items():
                target = f"{_quote(self._database)}.{_quote(name)}"
                if name in self._overwrite or name not in self._catalog_tables:
                    self._compile(t, name).write.mode("overwrite").saveAsTable(target)
                else:
                    for part in self._parts.get(name, []):
                        self._compile(part, name).write.mode("append").saveAsTable(target)
            self._cleanup_staging()
            return
        now = _now()
        listed = {d for ds in self.manifest.values() for d in ds}
        retired = {d: t for d, t in self.retired.items() if d not in listed}
        # folders the manifest no longer lists (this write replaced them), or never
        # knew (a killed writer's, or retired by a version that kept no record):
        # retired from now, never judged by their age
        ours = {d.relative_to(self.folder).as_posix() for d in self._new_dirs}
        for d in self._unknown_folders(listed | set(retired) | ours):
            retired[d] = now
        expired = {d for d, t in retired.items() if now - t >= RETENTION_SECONDS}
        retired = {d: t for d, t in retired.items() if d not in expired}
        doc = {"format": FORMAT, "tables": self.manifest, "retired": retired}
        tmp = self.folder / f".{MANIFEST}.{os.getpid()}"
        tmp.write_text(json.dumps(doc, indent=1))
        os.replace(tmp, self.folder / MANIFEST)
        kept = {self.folder / d for d in listed}
        self._new_dirs = [d for d in self._new_dirs if d not in kept]
        self._cleanup_staging()
        # the write has happened: deleting what has expired may fail, never the write
        for d in expired:
            if d.startswith(("data/", "staging/")):  # never a legacy export's own file
                shutil.rmtree(self.folder / d, ignore_errors=True)

    def _unknown_folders(self, known: set[str]) -> list[str]:
        """Write folders of this store (``data/TABLE/ID`` for the store's tables,
        ``staging/ID``) that are not in ``known``; none if the folders cannot be
        listed (the write goes ahead, the vacuum waits)."""
        found = []
        try:
            parents = [self.folder / "data" / name for name in tables.SCHEMAS]
            for parent in [*parents, self.folder / "staging"]:
                if parent.is_dir():
                    found += [c for c in parent.iterdir() if c.is_dir()]
        except OSError:
            return []
        rels = (c.relative_to(self.folder).as_posix() for c in found)
        return sorted(r for r in rels if r not in known)

    def abort(self) -> None:
        self._cleanup_staging()
        if self._database is not None and self._created_database:
            # a failed first write leaves no store behind
            self._spark.sql(f"DROP DATABASE IF EXISTS {_quote(self._database)}")

    def _cleanup_staging(self) -> None:
        for d in self._new_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self._new_dirs = []
        if self._database is None:
            with contextlib.suppress(OSError):
                (self.folder / "staging").rmdir()


def _retired(entry: object) -> dict[str, float]:
    """The manifest's ``retired`` entry (folder -> when it was retired); a value
    that is not a time counts as retired now, so nothing is deleted early."""
    if not isinstance(entry, dict):
        return {}
    out = {}
    for k, v in entry.items():
        try:
            when = float(v)
        except (TypeError, ValueError):
            when = math.nan
        out[str(k)] = when if math.isfinite(when) else _now()
    return out


def database_name(location: str) -> str:
    """DATABASE of ``catalog:DATABASE`` (ASCII letters, digits and _ only)."""
    db = location[len(CATALOG_PREFIX) :]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", db):
        raise UserError(
            f"{location}: a catalog store is catalog:DATABASE (ASCII letters, digits and _)"
        )
    return db


def _quote(name: str) -> str:
    """A Spark SQL identifier, quoted (backticks doubled)."""
    return "`" + name.replace("`", "``") + "`"


def _check_new_folder(p: Path) -> None:
    if p.exists() and any(x.name != ".lock" for x in p.iterdir()):
        raise UserError(
            f"{p}: the folder is not empty and is not a matequity store; give an empty or new "
            "folder"
        )


def _ibis(obj: ir.Table | pd.DataFrame, name: str, w: SparkWriter) -> ir.Table:
    t = ibis.memtable(obj) if isinstance(obj, pd.DataFrame) else obj
    if name not in tables.SCHEMAS:
        return t
    s = tables.SCHEMAS[name]
    return t.select(
        *[(t[c].cast(s[c]) if c in t.columns else ibis.null(s[c])).name(c) for c in s.names]
    )


@contextlib.contextmanager
def writer(
    location: str | Path, session: Any = None, *, create: bool = True
) -> Iterator[SparkWriter]:
    """Open a Spark store for one all-or-nothing write (see the module docstring)."""
    loc = str(location)
    if loc.startswith(CATALOG_PREFIX):
        lock_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"matequity-{loc[8:]}.lock"
    else:
        p = Path(loc)
        if p.exists() and not p.is_dir():
            raise UserError(f"{p}: a Spark store is a folder, not a file")
        if not p.exists() and not create:
            raise UserError(f"{p}: no such store; run 'matequity ingest --engine spark' first")
        new = not p.exists()
        try:
            p.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{p}: cannot create the store folder ({exc.strerror})") from None
        lock_path = p / ".lock"
    ok = False
    try:
        with write_lock(lock_path, loc):
            w = SparkWriter(location, session, create=create)
            try:
                yield w
                w.commit()
                ok = True
            except BaseException:
                w.abort()
                raise
            finally:
                w.close()
    finally:
        if not ok and not loc.startswith(CATALOG_PREFIX) and not (Path(loc) / MANIFEST).exists():
            # a failed first write leaves no store behind
            with contextlib.suppress(OSError):
                (Path(loc) / ".lock").unlink()
            if new:
                shutil.rmtree(loc, ignore_errors=True)

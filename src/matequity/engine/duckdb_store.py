"""The embedded default engine: a store in one DuckDB file.

Readers open the file read-only, so any number of processes (the CLI, the web
service, reports) read at once. A write (ingest, rebuilding the derived tables)
works on a private copy of the file and replaces the store with it only when
everything succeeded (an atomic rename), holding a lock so that writers take
turns. A failed write, or a failed first ingest, leaves the store exactly as it
was (or absent); readers with the store open keep reading the version they
opened.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from matequity.engine import files, tables
from matequity.engine.base import IbisStore, Row, uniform_types, write_lock
from matequity.errors import UserError

if TYPE_CHECKING:  # imported where a query needs them: a count table needs neither
    import ibis.expr.types as ir
    import pandas as pd

    from matequity.measures.flags import Flag

#: DuckDB files carry this at byte 8
_MAGIC = b"DUCK"
#: memory a write may use before DuckDB spills to disk (keeps ingest's peak low)
WRITE_MEMORY = os.environ.get("MATEQUITY_DUCKDB_MEMORY", "1GB")


def _check_file(p: Path, *, must_exist: bool = True) -> None:
    if not p.exists():
        if must_exist:
            raise UserError(f"{p}: no such store; run 'matequity ingest' first")
        return
    if p.is_dir():
        raise UserError(
            f"{p}: is a folder; a DuckDB store is one file (a folder store needs --engine spark)"
        )
    with p.open("rb") as fh:
        head = fh.read(12)
    if head[8:12] != _MAGIC:
        raise UserError(f"{p}: not a matequity store (not a DuckDB file); pass the store file")


def _connect(p: Path, read_only: bool, **config: object) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(p), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        raise UserError(_lock_message(p, exc)) from None
    except duckdb.Error as exc:
        raise UserError(
            f"{p}: cannot be opened as a store ({files.first_words(exc)}); it may be damaged "
            "or written by a newer DuckDB"
        ) from None
    con.execute("SET enable_progress_bar = false")  # no terminal noise in logs
    # a query names only the store's tables, never a Python variable
    con.execute("SET python_enable_replacements = false")
    return con


def _lock_message(p: Path, exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"held in (.+?) \(PID (\d+)\)", text)
    if m:
        return (
            f"{p}: in use by process {m.group(2)} ({Path(m.group(1)).name}), which holds it for "
            "writing; stop that process (or wait for it to finish) and try again"
        )
    return f"{p}: cannot be opened ({files.first_words(exc)})"


class _DuckDBReading(IbisStore):
    """Reading a DuckDB store: Ibis, with the derived tables' ENUM columns decoded
    in Arrow before the frame is made; small tables and the sums of a count
    table straight from DuckDB.

    The Ibis backend is made from the DuckDB connection when a query first needs
    it (:attr:`_con`), so a command that only counts imports neither Ibis nor
    pandas (about half a second)."""

    _raw: duckdb.DuckDBPyConnection
    _ibis: Any = None

    @property
    def _con(self):
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self._raw)
        return self._ibis

    @_con.setter
    def _con(self, raw: duckdb.DuckDBPyConnection) -> None:
        self._raw = raw

    def rows(self, name: str) -> list[dict[str, Any]]:
        """As :meth:`IbisStore.rows`, straight from DuckDB (only the table's name
        is written into the SQL)."""
        self.table_exists(name)
        cur = self._raw.execute(f"SELECT * FROM {files.quote_ident(name)}")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def sums(
        self,
        name: str,
        by: Sequence[str],
        flags: Sequence[Flag],
        *,
        within: tuple[str, Sequence[str]] | None = None,
        among: Flag | None = None,
        count: bool = False,
    ) -> list[Row]:
        """As :meth:`IbisStore.sums`, as one SQL statement when every flag is a
        column (a flag with its own expression goes through Ibis). Only the
        table's and columns' names are written into the SQL; ``within``'s values
        (codes, of a text or ENUM column) are bound as parameters (which imports
        pandas: DuckDB checks each bound value's type against pandas')."""
        if any(f.expr is not None for f in [*flags, *([among] if among else [])]):
            return super().sums(name, by, flags, within=within, among=among, count=count)
        self.table_exists(name)
        q = files.quote_ident
        select = [*map(q, by), *(f"coalesce(sum(CAST({q(f.name)} AS BIGINT)), 0)" for f in flags)]
        if count:
            select.append("count(*)")
        sql = f"SELECT {', '.join(select)} FROM {q(name)}"
        where: list[str] = []
        params: list[object] = []
        if within is not None:
            # one placeholder per value (a constant list DuckDB pushes into the
            # scan, where a cast column or a bound list is compared row by row)
            values = [str(v) for v in within[1]]
            if not values:
                return []
            where.append(f"{q(within[0])} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        if among is not None:
            where.append(f"CAST({q(among.name)} AS BIGINT) = 1")
        if where:
            sql += " WHERE " + " AND ".join(where)
        # a whole-table aggregate has a row even for no rows; a GROUP BY has none
        sql += " GROUP BY ALL HAVING count(*) > 0"
        return self._raw.execute(sql, params).fetchall()

    def _disconnect(self) -> None:
        self._raw.close()  # the Ibis backend, if made, shares this connection

    def execute(self, expr: ir.Expr) -> pd.DataFrame:
        """As :meth:`IbisStore.execute`, the same frame.

        DuckDB hands an ENUM column over as an Arrow dictionary, which Ibis's
        ``execute`` turns into Python objects one value at a time (a second for a
        case-mix table of 90,000 rows). ``to_pyarrow`` casts it to text in Arrow
        first; the frame is then made as Ibis makes it (columns with a missing
        value or nested values through Python objects, others by Arrow) and given
        the expression's types by Ibis's DuckDB converter."""
        import ibis.expr.types as ir
        import pandas as pd

        if not isinstance(expr, ir.Table):
            return super().execute(expr)
        import pyarrow.types as pat
        from ibis.backends.duckdb.converter import DuckDBPandasData

        arrow = self._con.to_pyarrow(expr)

        def frame_column(col):
            slow = pat.is_nested(col.type) or col.null_count
            return col.to_pylist() if slow else col.to_pandas()

        cols = zip(arrow.column_names, arrow.columns, strict=True)
        df = pd.DataFrame({name: frame_column(col) for name, col in cols})
        schema = expr.schema()
        return uniform_types(DuckDBPandasData.convert_table(df, schema), schema)


class DuckDBStore(_DuckDBReading):
    """A DuckDB store opened for reading."""

    kind = "duckdb"

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        _check_file(p)
        con = _connect(p, read_only=True)
        super().__init__(con, str(p))
        if not self.has_table("babies"):
            self.close()
            raise UserError(f"{p}: not a matequity store (it has no 'babies' table)")

    def has_table(self, name: str) -> bool:
        """A table of the store (a reader has no temporary tables), asked of
        DuckDB. The names are compared in Python: binding a value to a DuckDB
        statement imports pandas (DuckDB checks whether it is a pandas value)."""
        found = self._raw.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
        )
        return name in {r[0] for r in found.fetchall()}

    def write_parquet(self, name: str, path: Path) -> None:
        """Write table ``name`` to a Parquet file (for ``matequity export``)."""
        self._raw.table(name).write_parquet(str(path))


class DuckDBWriter(_DuckDBReading):
    """A private copy of the store, open for writing; see :func:`writer`."""

    kind = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str) -> None:
        super().__init__(con, location)
        for name, s in tables.SCHEMAS.items():
            if not self.has_table(name):
                self._create(name, s)
        self._upgrade()

    def _create(self, name: str, s) -> None:
        """Create table ``name`` with schema ``s``; its identifiers
        (:data:`tables.IDENTIFIERS`) stored with FSST.

        DuckDB analyses every segment of a column with each compression it has
        and keeps the smallest (https://duckdb.org/2022/10/28/lightweight-compression.html).
        An identifier has one value per row: dictionary compression never wins
        on it, and trying it costs much of the write. FSST alone (a column's
        ``USING COMPRESSION``) writes 6M records in about 4.3 s rather than
        5.3 s, into about the same space (5% more). Only identifiers and type
        names are written into SQL."""
        q = files.quote_ident
        cols = ", ".join(
            f"{q(c)} {_duck_type(t)}"
            + (" USING COMPRESSION fsst" if c in tables.IDENTIFIERS and t.is_string() else "")
            for c, t in s.items()
        )
        self._raw.execute(f"CREATE TABLE {q(name)} ({cols})")

    def _upgrade(self) -> None:
        """Add columns a store written by an earlier matequity lacks (blank)."""
        for name, s in tables.SCHEMAS.items():
            have = set(self._con.table(name).columns)
            for col, typ in s.items():
                if col not in have:
                    self._raw.execute(
                        f"ALTER TABLE {files.quote_ident(name)} ADD COLUMN "
                        f"{files.quote_ident(col)} {_duck_type(typ)}"
                    )

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for the file reader (engine layer only)."""
        return self._raw

    def stage_file(self, path: Path, name: str) -> files.ReadResult:
        return files.read_table(self._raw, path, name)

    def create_temp(self, name: str, obj: ir.Table | pd.DataFrame) -> ir.Table:
        return self._con.create_table(name, obj=obj, temp=True, overwrite=True)

    def insert(self, name: str, obj: ir.Table | pd.DataFrame) -> None:
        self._con.insert(name, _conform(obj, self._con.table(name)))

    def replace(
        self, name: str, obj: ir.Table | pd.DataFrame, *, few_values: Sequence[str] = ()
    ) -> None:
        if name not in tables.SCHEMAS:  # a derived table: its schema is its expression's
            self._create_derived(name, obj, few_values)
            return
        target = self._con.table(name)
        staged = self.create_temp(f"_replace_{name}", _conform(obj, target))
        self._con.truncate_table(name)
        self._con.insert(name, staged)
        self.drop_temp(f"_replace_{name}")

    def _create_derived(
        self, name: str, obj: ir.Table | pd.DataFrame, few_values: Sequence[str]
    ) -> None:
        """Write a derived table, its ``few_values`` text columns as ENUM types.

        DuckDB writes a text column of 6M rows in about 0.7 s, even one with a
        handful of distinct values; an ENUM (an integer per row and the values
        once, https://duckdb.org/docs/sql/data_types/enum) in about a quarter of
        that, and reads back as the same text (Ibis types it as a string). Each
        column's values are found in one scan of the expression (a grouping set
        per column) and made a type sorted as text, so that ordering and
        comparisons are those of the text. A column keeps its ENUM's values itself
        (a copy of it keeps them too), so the named types are dropped once the
        table is written. The table is written straight from the expression (not
        through Ibis's ``create_table``, which declares every text column as
        VARCHAR), so columns read from another derived table keep their ENUMs.
        Only identifiers are written into SQL.
        """
        import ibis
        import pandas as pd

        q = files.quote_ident
        if isinstance(obj, pd.DataFrame):
            obj = ibis.memtable(obj)
        self._con.drop_table(name, force=True)
        prefix = f"_enum_{name}__"  # the ENUM types, one per column
        source, levels = f"_source_{name}", f"_levels_{name}"
        self._con.create_view(source, obj=obj, overwrite=True)
        if few_values:
            cols = ", ".join(q(c) for c in few_values)
            sets = ", ".join(f"({q(c)})" for c in few_values)
            self._raw.execute(
                f"CREATE TEMP TABLE {q(levels)} AS SELECT {cols} FROM {q(source)} "
                f"GROUP BY GROUPING SETS ({sets})"
            )
            # a column with no value stays text: DuckDB writes an ENUM without
            # values but cannot read it back
            present = self._raw.execute(
                f"SELECT {', '.join(f'count({q(c)})' for c in few_values)} FROM {q(levels)}"
            ).fetchone()
            assert present is not None
            few_values = [c for c, n in zip(few_values, present, strict=True) if n]
        for c in few_values:
            self._raw.execute(
                f"CREATE TYPE {q(prefix + c)} AS ENUM (SELECT DISTINCT {q(c)} FROM {q(levels)} "
                f"WHERE {q(c)} IS NOT NULL ORDER BY 1)"
            )
        select = ", ".join(
            f"CAST({q(c)} AS {q(prefix + c)}) AS {q(c)}" if c in few_values else q(c)
            for c in self._con.table(source).columns
        )
        # the table's only text columns are now its identifiers (and columns with
        # no value): dictionary compression never wins on them, and DuckDB
        # trying it costs a quarter of the write (see _create). A large table is
        # compressed as it is written, a small one at a checkpoint: both while
        # the setting holds
        self._raw.execute("SET disabled_compression_methods = 'dictionary'")
        try:
            self._raw.execute(f"CREATE TABLE {q(name)} AS SELECT {select} FROM {q(source)}")
            self._raw.execute("CHECKPOINT")
        finally:
            self._raw.execute("RESET disabled_compression_methods")
        # a column keeps its ENUM's values itself: the named types are not needed
        for c in few_values:
            self._raw.execute(f"DROP TYPE {q(prefix + c)}")
        self._raw.execute(f"DROP TABLE IF EXISTS {q(levels)}")
        self._con.drop_view(source)

    def drop_temp(self, name: str) -> None:
        self._con.drop_table(name, force=True)
        with contextlib.suppress(Exception):
            self._con.drop_view(name, force=True)


#: the DuckDB type of each portable type a store's tables declare (tables.SCHEMAS)
_DUCK_TYPES = {
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "int32": "INTEGER",
    "int64": "BIGINT",
}


def _duck_type(t) -> str:
    """The DuckDB type name of a schema's type; a type the schemas do not use
    is an error rather than a guess (only these names are written into SQL)."""
    import ibis.expr.datatypes as dt

    t = dt.dtype(t)
    name = "timestamp" if t.is_timestamp() else str(t.copy(nullable=True))
    if name not in _DUCK_TYPES:
        raise TypeError(f"no DuckDB column type for {t}")
    return _DUCK_TYPES[name]


def _conform(obj: ir.Table | pd.DataFrame, target: ir.Table) -> ir.Table:
    """``obj`` with the target table's columns, in its order and types."""
    import ibis
    import pandas as pd

    t = ibis.memtable(obj) if isinstance(obj, pd.DataFrame) else obj
    s = target.schema()
    return t.select(
        *[(t[c].cast(s[c]) if c in t.columns else ibis.null(s[c])).name(c) for c in target.columns]
    )


@contextlib.contextmanager
def writer(path: str | Path, *, create: bool = True) -> Iterator[DuckDBWriter]:
    """Open the store at ``path`` for one all-or-nothing write.

    The write goes to a private copy (``.NAME.staging-PID`` beside it), which
    replaces the store only when the block ends without an error; otherwise the
    copy is deleted and the store is untouched (a store that did not exist is
    not created)."""
    p = Path(path)
    if p.exists():
        _check_file(p)
    elif not create:
        raise UserError(f"{p}: no such store; run 'matequity ingest' first")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{p.parent}: cannot create the store's folder ({exc.strerror})") from None
    if not os.access(p.parent, os.W_OK):
        raise UserError(f"{p.parent}: the store's folder is not writable")
    lock = p.with_name(p.name + ".lock")
    try:
        with _locked_write(p, lock) as w:
            yield w
    finally:
        if not p.exists():  # a failed first write leaves nothing behind
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()


@contextlib.contextmanager
def _locked_write(p: Path, lock: Path) -> Iterator[DuckDBWriter]:
    with write_lock(lock, str(p)):
        staging = p.with_name(f".{p.name}.staging-{os.getpid()}")
        _remove(staging)
        if p.exists():
            shutil.copyfile(p, staging)
        con = _connect(
            staging,
            read_only=False,
            memory_limit=_memory(WRITE_MEMORY),
            preserve_insertion_order=False,
        )
        ok = False
        try:
            w = DuckDBWriter(con, str(p))
            yield w
            w._raw.execute("CHECKPOINT")
            ok = True
        finally:
            with contextlib.suppress(Exception):
                con.close()
            if ok:
                os.replace(staging, p)
            _remove(staging)


def _memory(text: str) -> str:
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*[KMGT]i?B", text.strip(), re.I):
        raise UserError(f"MATEQUITY_DUCKDB_MEMORY={text!r}: expected a size such as 1GB")
    return text.strip()


def _remove(staging: Path) -> None:
    for f in (staging, staging.with_name(staging.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()

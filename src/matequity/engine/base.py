"""What every engine offers, and the parts all engines share.

An engine owns its connection. Readers get tables by name, run Ibis
expressions and learn the store's content version; writers (ingest, the derived
store) also create, fill and replace tables, inside one all-or-nothing write
(:func:`matequity.engine.writer`): a failed write leaves the store exactly as it
was, because every engine writes to a staging copy and swaps it in at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from matequity.errors import UserError

if TYPE_CHECKING:  # Ibis and pandas are imported where a query needs them
    import ibis.expr.schema as sch
    import ibis.expr.types as ir
    import pandas as pd

    from matequity.measures.flags import Flag

#: one row of :meth:`Engine.sums`: the group's values, then each flag's sum
Row = tuple[Any, ...]


class Engine(Protocol):
    """A store opened for reading (see :mod:`matequity.engine`)."""

    kind: str
    location: str

    def table(self, name: str) -> ir.Table: ...

    def has_table(self, name: str) -> bool: ...

    def execute(self, expr: ir.Expr) -> pd.DataFrame: ...

    def rows(self, name: str) -> list[dict[str, Any]]:
        """Every row of the small table ``name`` (loads, stamps) as plain Python values."""
        ...

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
        """One GROUP BY over table ``name``: a row per group of the ``by``
        columns (one row for the whole table when ``by`` is empty, none when it
        has no rows) with the sum of each 0/1 flag (0 where no row has it set,
        missing counting as unset) and, with ``count``, the group's number of
        rows; ``within`` = (column,
        values) keeps only rows whose column holds one of the values, and
        ``among`` only rows with that flag set, before the sums (so a group
        without such rows has no row). Plain Python values, in the order ``by``,
        ``flags``, then the count."""
        ...

    def version(self) -> str: ...

    def close(self) -> None: ...


class Writer(Engine, Protocol):
    """A store opened for one all-or-nothing write."""

    def create_temp(self, name: str, obj: ir.Table | pd.DataFrame) -> ir.Table: ...

    def insert(self, name: str, obj: ir.Table | pd.DataFrame) -> None: ...

    def replace(
        self, name: str, obj: ir.Table | pd.DataFrame, *, few_values: Sequence[str] = ()
    ) -> None:
        """Replace table ``name`` with ``obj``; ``few_values`` names text columns with
        few distinct values, which the engine may store dictionary-encoded."""

    def drop_temp(self, name: str) -> None: ...


class IbisStore:
    """Reading through an Ibis backend; subclasses say how tables are found."""

    kind = ""

    def __init__(self, con: Any, location: str) -> None:
        self._con = con
        self.location = location
        self._closed = False

    # reading
    def table(self, name: str) -> ir.Table:
        self.table_exists(name)
        return self._con.table(name)

    def table_exists(self, name: str) -> None:
        """Raise the store's one-line error unless table ``name`` exists."""
        if not self.has_table(name):
            raise UserError(f"{self.location}: the store has no table '{name}'")

    def has_table(self, name: str) -> bool:
        return name in self._con.list_tables()

    def execute(self, expr: ir.Expr) -> pd.DataFrame:
        import ibis.expr.types as ir
        import pandas as pd

        out = self._con.execute(expr)
        if isinstance(out, pd.DataFrame) and isinstance(expr, ir.Table):
            return uniform_types(out, expr.schema())
        return out

    def rows(self, name: str) -> list[dict[str, Any]]:
        df = self.execute(self.table(name))
        cols = list(df.columns)
        return [dict(zip(cols, map(plain, r), strict=True)) for r in df.itertuples(index=False)]

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
        """As :meth:`Engine.sums`, as one Ibis expression (any backend)."""
        t = self.table(name)
        if within is not None:
            t = t.filter(t[within[0]].isin(list(within[1])))
        if among is not None:
            t = t.filter(among.value(t) == 1)
        total = {f"_sum{i}": f.value(t).sum().fill_null(0) for i, f in enumerate(flags)}
        if count:
            total["_count"] = t.count()
        keys = [f"_by{i}" for i in range(len(by))]
        if by:
            agg = t.group_by(**{k: t[c] for k, c in zip(keys, by, strict=True)}).aggregate(**total)
        else:  # a whole-table aggregate has a row even for no rows; a GROUP BY has none
            agg = t.aggregate(**total, _rows=t.count())
            agg = agg.filter(agg._rows > 0).drop("_rows")
        df = self.execute(agg)
        # a frame holds an integer key with missing values as floats, and a date
        # as a timestamp: give them back as int and date, as DuckDB's rows are
        types = [agg.schema()[k] for k in keys]
        as_python = [int if ty.is_integer() else _date if ty.is_date() else None for ty in types]
        as_python += [int] * len(total)
        return [
            tuple(
                v if v is None or f is None else f(v)
                for v, f in zip(map(plain, r), as_python, strict=True)
            )
            for r in df[[*keys, *total]].itertuples(index=False)
        ]

    def version(self) -> str:
        """The content version: the number of loads, the last, and a fingerprint
        of every load (its number, kind, file's SHA-256 and rows read, accepted
        and quarantined) and of the derived stamp's definitions. It changes on
        every ingest, whenever the derived tables are rebuilt with other
        definitions and when another store with other data takes this one's
        place; the same loads give the same version on every engine. Caches
        keyed by it are never stale."""
        if not self.has_table("loads"):
            return "empty"
        fields = ("load_id", "kind", "sha256", "rows_read", "rows_accepted", "rows_quarantined")
        loads = sorted(tuple(str(r.get(f)) for f in fields) for r in self.rows("loads"))
        ids = [int(r[0]) for r in loads if r[0].isdigit()]
        stamps = (
            sorted({str(r.get("definitions")) for r in self.rows("derived_meta")})
            if self.has_table("derived_meta")
            else []
        )
        digest = hashlib.sha256(json.dumps([loads, stamps]).encode()).hexdigest()[:16]
        return f"{len(loads)}.{max(ids, default=0)}.{digest}"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):
                self._disconnect()

    def _disconnect(self) -> None:
        self._con.disconnect()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _date(value: Any) -> dt.date:
    """A date key as a ``datetime.date`` (a frame gives a timestamp)."""
    return value.date() if isinstance(value, dt.datetime) else value


def plain(value: Any) -> Any:
    """A value from a frame as plain Python: NumPy scalars as ``int``/``float``/
    ``bool``, a missing value (None, NaN, NA, NaT) as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):  # pandas NA compares to nothing
        return None
    return value


def uniform_types(df: pd.DataFrame, schema: sch.Schema) -> pd.DataFrame:
    """The same pandas types whichever engine ran the query: a numeric column
    with no value at all as floats (NaN; DuckDB gives objects, Spark floats,
    and a column with some values is floats on both), and timestamps in
    microseconds (both engines' resolution; Spark hands them over in
    nanoseconds)."""
    for name, typ in schema.items():
        if name not in df.columns:
            continue
        col = df[name]
        if typ.is_numeric() and col.dtype == object and col.isna().all():
            df[name] = col.astype("float64")
        elif typ.is_timestamp() and col.dtype == "datetime64[ns]":
            df[name] = col.astype("datetime64[us]")
    return df


@contextlib.contextmanager
def write_lock(lock_path: Path, store: str) -> Iterator[None]:
    """One writer at a time: an exclusive lock on ``lock_path`` (released when
    the process ends, however it ends). A second writer is refused at once,
    told which process holds the store."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise UserError(
                f"{store}: another matequity command is writing to this store (process "
                f"{holder}); wait for it to finish, then run this command again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

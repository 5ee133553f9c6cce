"""Read one input file (CSV or Parquet) into a staged table, with DuckDB.

Every engine stages its input files through this one reader, so that a file is
split into rows, and refused or quarantined, identically whichever engine loads
it. File-level problems (not a table, empty, bad encoding, missing or duplicated
columns, an unclosed quote) raise :class:`~matequity.errors.InputFileError` with
one line naming the file, the line where it matters, and the problem. Lines that
cannot be split into the header's columns are kept aside as malformed rows (they
are quarantined, not dropped). Messages carry no cell values.

CSV columns are read as text. Parquet columns keep their type where it is the
contract's (a DATE column for a date, an integer column for a whole number, a
BOOLEAN for true/false): validation then checks ranges without parsing text.
Other Parquet columns are read as text (floats that hold whole numbers as their
integer text). No SQL here is built from a path or a name: paths are bound
parameters and identifiers are quoted.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from matequity.errors import InputFileError
from matequity.model import schema

FileKind = Literal["births", "organisations", "imd_lookup"]
_HEADER_PEEK = 1 << 20
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True)
class ReadResult:
    """What was read: a staged table ``table`` with the canonical columns plus
    ``_row``; malformed lines in ``rejects_table`` (``line``, ``raw_line``)."""

    path: Path
    kind: FileKind
    format: Literal["csv", "parquet"]
    table: str
    rejects_table: str | None
    rows_parsed: int
    rows_malformed: int
    ignored_columns: tuple[str, ...]

    @property
    def rows_read(self) -> int:
        return self.rows_parsed + self.rows_malformed


def quote_ident(name: str) -> str:
    """A SQL identifier, quoted (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def detect_format(path: Path) -> Literal["csv", "parquet"]:
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1" or path.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    return "csv"


def _csv_header(path: Path) -> tuple[list[str], str]:
    """The header names and its first line, read from the first line only."""
    with path.open("rb") as fh:
        head = fh.read(_HEADER_PEEK)
    if not head.strip():
        raise InputFileError(str(path), "the file is empty; expected a CSV table with a header row")
    if b"\x00" in head:
        raise InputFileError(str(path), "binary content, not a CSV table (expected UTF-8 text)")
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        line = head[: exc.start].count(b"\n") + 1
        raise InputFileError(
            str(path), f"not valid UTF-8 text (line {line}); save the file as UTF-8 CSV"
        ) from None
    first = text.splitlines()[0] if text.splitlines() else ""
    names = next(csv.reader(io.StringIO(first)), [])
    return [n.strip() for n in names], first


def _check_unique(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for n in (x.strip().lower() for x in names):
        if n in seen:
            raise InputFileError(str(path), f"column '{n}' appears more than once in the header")
        seen.add(n)


def _canonical(path: Path, names: list[str], first_line: str) -> tuple[FileKind, dict[str, str]]:
    """Map file column names (case-insensitive, trimmed) onto contract names."""
    _check_unique(path, names)
    lowered = [n.strip().lower() for n in names]
    cols = set(lowered)
    if set(schema.ORGANISATION_COLUMNS) <= cols:
        kind: FileKind = "organisations"
        wanted: tuple[str, ...] = (
            *schema.ORGANISATION_COLUMNS,
            *schema.OPTIONAL_ORGANISATION_COLUMNS,
        )
    elif set(schema.IMD_LOOKUP_COLUMNS) <= cols and not (
        # any other births column makes it a births file (perhaps missing baby_id)
        (cols - set(schema.IMD_LOOKUP_COLUMNS)) & set(schema.BIRTH_FIELD_NAMES)
    ):
        kind, wanted = "imd_lookup", schema.IMD_LOOKUP_COLUMNS
    else:
        kind, wanted = "births", schema.BIRTH_FIELD_NAMES
        missing = [c for c in schema.REQUIRED_BIRTH_COLUMNS if c not in cols]
        if missing:
            hint = ""
            if len(names) == 1:
                for d in (";", "\t", "|"):
                    if d in first_line:
                        hint = f"; the header has one column and contains {d!r}: expected ','"
                        break
            raise InputFileError(
                str(path), f"required column(s) missing: {', '.join(missing)}{hint}"
            )
        if not any(c in cols for c in schema.DEPRIVATION_COLUMNS):
            raise InputFileError(
                str(path), "needs a deprivation column: imd_decile and/or lsoa_code"
            )
    mapping = {lowered[i]: names[i] for i in range(len(names)) if lowered[i] in wanted}
    return kind, mapping


def wanted_columns(kind: FileKind) -> tuple[str, ...]:
    return {
        "births": schema.BIRTH_FIELD_NAMES,
        "organisations": (*schema.ORGANISATION_COLUMNS, *schema.OPTIONAL_ORGANISATION_COLUMNS),
        "imd_lookup": schema.IMD_LOOKUP_COLUMNS,
    }[kind]


#: contract type -> DuckDB types kept as they are when a Parquet column has them
_NATIVE = {
    "date": ("DATE",),
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"),
    "boolean": ("BOOLEAN",),
}


def _contract_type(kind: FileKind, column: str) -> str:
    if kind == "births":
        return schema.field(column).type
    if kind == "imd_lookup" and column == "imd_decile":
        return "integer"
    return "string"


def _parquet_expr(kind: FileKind, canon: str, orig: str, duck_type: str) -> str:
    """SELECT expression for one Parquet column (``orig`` quoted, never a value)."""
    q = quote_ident(orig)
    t = duck_type.upper()
    if t in _NATIVE.get(_contract_type(kind, canon), ()):
        return f"{q} AS {quote_ident(canon)}"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        e = (
            f"CASE WHEN {q} = floor({q}) AND abs({q}) < 1e15 "
            f"THEN CAST(CAST({q} AS BIGINT) AS VARCHAR) ELSE CAST({q} AS VARCHAR) END"
        )
    else:
        e = f"CAST({q} AS VARCHAR)"
    return f"{e} AS {quote_ident(canon)}"


def read_table(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> ReadResult:
    """Stage ``path`` as temp table ``table`` on ``con``; raise InputFileError if
    unusable. CSV files are copied into the table; Parquet files are staged as a
    view (validation reads the file once)."""
    if not path.exists():
        raise InputFileError(str(path), "no such file")
    if path.is_dir():
        raise InputFileError(str(path), "is a folder, expected a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise InputFileError(str(path), "the file is empty; expected a table with a header row")
    fmt = detect_format(path)
    if fmt == "csv":
        return _read_csv(con, path, table)
    return _read_parquet(con, path, table)


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> ReadResult:
    header, first = _csv_header(path)
    _check_unique(path, header)
    if any(not n for n in header):
        raise InputFileError(str(path), "the header has a blank column name")
    src, rejects, scans = f"{table}__src", f"{table}__rejects", f"{table}__scans"
    try:
        con.execute(
            f"CREATE TEMP TABLE {quote_ident(src)} AS SELECT * FROM read_csv($path, "
            "columns=$columns, auto_detect=false, header=true, delim=',', quote='\"', "
            "escape='\"', strict_mode=true, null_padding=false, store_rejects=true, "
            "rejects_table=$rejects, rejects_scan=$scans, max_line_size=$max_line)",
            {
                "path": str(path),
                "columns": {n: "VARCHAR" for n in header},
                "rejects": rejects,
                "scans": scans,
                "max_line": MAX_LINE_BYTES,
            },
        )
    except duckdb.Error as exc:
        why = first_words(exc)
        if "invalid state" in why:
            why = "mixed line endings or unbalanced quotes"
        raise InputFileError(str(path), f"could not be read as CSV ({why})") from None
    r = quote_ident(rejects)
    bad = con.execute(
        f"SELECT count(*) FILTER (WHERE regexp_matches(error_type, 'ENCODING|UNICODE')), "
        f"min(line) FILTER (WHERE regexp_matches(error_type, 'ENCODING|UNICODE')), "
        f"min(line) FILTER (WHERE error_type = 'UNQUOTED VALUE' "
        f"AND error_message LIKE '%unterminated quote%'), "
        f"count(DISTINCT line) FROM {r}"
    ).fetchone()
    assert bad is not None
    if bad[0]:
        raise InputFileError(
            str(path), f"not valid UTF-8 text (line {bad[1]}); save the file as UTF-8 CSV"
        )
    if bad[2] is not None:
        # the rest of the file would be read as one value: refuse, naming the line
        raise InputFileError(
            str(path),
            f"line {bad[2]}: a quote opened on this line is never closed (the rest of the "
            "file would be read as one value); fix the quoting and load the file again",
        )
    n_bad = int(bad[3])
    names = [d[0] for d in con.execute(f"DESCRIBE {quote_ident(src)}").fetchall()]
    kind, mapping = _canonical(path, names, first)
    lines = f"{table}__lines"
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(lines)} AS "
        f"SELECT line, first(csv_line) AS raw_line FROM {r} GROUP BY line"
    )
    cols = [
        f"{quote_ident(mapping[c])} AS {quote_ident(c)}"
        if c in mapping
        else f"NULL::VARCHAR AS {quote_ident(c)}"
        for c in wanted_columns(kind)
    ]
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(table)} AS SELECT {', '.join(cols)}, "
        f"row_number() OVER () AS _row FROM {quote_ident(src)}"
    )
    con.execute(f"DROP TABLE {quote_ident(src)}")
    n = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()
    rows = int(n[0]) if n else 0
    if rows == 0 and n_bad == 0:
        raise InputFileError(str(path), "has a header but no data rows")
    ignored = tuple(x for x in names if x.strip().lower() not in mapping)
    return ReadResult(path, kind, "csv", table, lines, rows, n_bad, ignored)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> ReadResult:
    try:
        desc = con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)})
        described = desc.fetchall()
    except duckdb.Error:
        raise InputFileError(str(path), "not a readable Parquet file") from None
    names = [d[0] for d in described]
    types = {d[0]: d[1] for d in described}
    kind, mapping = _canonical(path, names, "")
    exprs = [
        _parquet_expr(kind, c, mapping[c], types[mapping[c]])
        if c in mapping
        else f"NULL::VARCHAR AS {quote_ident(c)}"
        for c in wanted_columns(kind)
    ]
    # a temporary view, not a copy: validation reads the file once (the path goes
    # through DuckDB's relation API, never into SQL text), and nothing of it stays
    # in the store after the load
    try:
        rel = con.read_parquet(str(path), file_row_number=True)
        con.register(table, rel.project(", ".join([*exprs, "file_row_number + 1 AS _row"])))
        n = con.execute("SELECT count(*) FROM read_parquet($path)", {"path": str(path)}).fetchone()
    except duckdb.Error as exc:
        raise InputFileError(
            str(path), f"could not be read as Parquet ({first_words(exc)})"
        ) from None
    rows = int(n[0]) if n else 0
    if rows == 0:
        raise InputFileError(str(path), "has a header but no data rows")
    ignored = tuple(x for x in names if x.strip().lower() not in mapping)
    return ReadResult(path, kind, "parquet", table, None, rows, 0, ignored)


def first_words(exc: Exception) -> str:
    """The first line of an engine error, without quoted file content."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    msg = re.sub(r"Original Line:.*", "", msg)
    return msg[:160].strip()

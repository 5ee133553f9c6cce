"""Read one input file (CSV or Parquet) into a temporary DuckDB table of text.

File-level problems (not a table, empty, bad encoding, missing or duplicated
columns) raise :class:`~matequity.errors.InputFileError` with one line naming the
file and the problem. Lines that cannot be split into the header's columns are
kept aside as malformed rows (they are quarantined, not dropped). Messages carry
no cell values.
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


@dataclass(frozen=True)
class ReadResult:
    """What was read: a temp table ``table`` with the canonical columns as text
    plus ``_row``; malformed lines in ``rejects_table`` (``line``, ``raw_line``)."""

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


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def detect_format(path: Path) -> Literal["csv", "parquet"]:
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1" or path.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    return "csv"


def _csv_header(path: Path) -> tuple[list[str], str]:
    """The header names and the delimiter guess, read from the first line only."""
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
        wanted: tuple[str, ...] = schema.ORGANISATION_STORE_COLUMNS
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


_ENC = re.compile(r"INVALID (ENCODING|UNICODE)", re.I)


def read_table(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> ReadResult:
    """Load ``path`` into temp table ``table``; raise InputFileError if unusable."""
    if not path.exists():
        raise InputFileError(str(path), "no such file")
    if path.is_dir():
        raise InputFileError(str(path), "is a folder, expected a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise InputFileError(str(path), "the file is empty; expected a table with a header row")
    fmt = detect_format(path)
    src = f"{table}__src"
    rejects: str | None = None
    n_bad = 0
    if fmt == "csv":
        header, first = _csv_header(path)
        _check_unique(path, header)
        rejects = f"{table}__rejects"
        scans = f"{table}__scans"
        if any(not n for n in header):
            raise InputFileError(str(path), "the header has a blank column name")
        columns = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in header) + "}"
        try:
            con.execute(
                f"CREATE TEMP TABLE {_q(src)} AS SELECT * FROM read_csv({_lit(str(path))}, "
                f"columns={columns}, auto_detect=false, "
                "header=true, delim=',', quote='\"', escape='\"', "
                f"strict_mode=true, null_padding=false, store_rejects=true, "
                f"rejects_table={_lit(rejects)}, rejects_scan={_lit(scans)}, "
                "max_line_size=1048576)"
            )
        except duckdb.Error as exc:
            why = _first_words(exc)
            if "invalid state" in why:
                why = "mixed line endings or unbalanced quotes"
            raise InputFileError(str(path), f"could not be read as CSV ({why})") from None
        bad = con.execute(
            f"SELECT count(*) FILTER (WHERE regexp_matches(error_type, 'ENCODING|UNICODE')), "
            f"min(line) FILTER (WHERE regexp_matches(error_type, 'ENCODING|UNICODE')), "
            f"count(DISTINCT line) FROM {_q(rejects)}"
        ).fetchone()
        assert bad is not None
        if bad[0]:
            raise InputFileError(
                str(path), f"not valid UTF-8 text (line {bad[1]}); save the file as UTF-8 CSV"
            )
        n_bad = int(bad[2])
        names = [d[0] for d in con.execute(f"DESCRIBE {_q(src)}").fetchall()]
        kind, mapping = _canonical(path, names, first)
        con.execute(
            f"CREATE TEMP TABLE {_q(table + '__lines')} AS "
            f"SELECT DISTINCT line, first(csv_line) AS raw_line FROM {_q(rejects)} GROUP BY line"
        )
        rejects = table + "__lines"
        select_src = f"SELECT *, row_number() OVER () AS _row FROM {_q(src)}"
    else:
        try:
            desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(str(path))})").fetchall()
        except duckdb.Error:
            raise InputFileError(str(path), "not a readable Parquet file") from None
        names = [d[0] for d in desc]
        types = {d[0]: d[1] for d in desc}
        kind, mapping = _canonical(path, names, "")
        exprs = []
        for _canon, orig in mapping.items():
            t = types[orig].upper()
            if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
                e = (
                    f"CASE WHEN {_q(orig)} = floor({_q(orig)}) AND abs({_q(orig)}) < 1e15 "
                    f"THEN CAST(CAST({_q(orig)} AS BIGINT) AS VARCHAR) "
                    f"ELSE CAST({_q(orig)} AS VARCHAR) END"
                )
            else:
                e = f"CAST({_q(orig)} AS VARCHAR)"
            exprs.append(f"{e} AS {_q(orig)}")
        # a view, not a copy: validation reads the file once
        try:
            con.execute(
                f"CREATE TEMP VIEW {_q(src)} AS SELECT {', '.join(exprs)}, "
                f"file_row_number + 1 AS _row FROM read_parquet({_lit(str(path))}, "
                "file_row_number=true)"
            )
        except duckdb.Error as exc:
            raise InputFileError(
                str(path), f"could not be read as Parquet ({_first_words(exc)})"
            ) from None
        select_src = f"SELECT * FROM {_q(src)}"

    wanted = {
        "births": schema.BIRTH_FIELD_NAMES,
        "organisations": schema.ORGANISATION_STORE_COLUMNS,
        "imd_lookup": schema.IMD_LOOKUP_COLUMNS,
    }[kind]
    cols = [
        f"CAST({_q(mapping[c])} AS VARCHAR) AS {_q(c)}"
        if c in mapping
        else f"NULL::VARCHAR AS {_q(c)}"
        for c in wanted
    ]
    if fmt == "csv":
        con.execute(
            f"CREATE TEMP TABLE {_q(table)} AS SELECT {', '.join(cols)}, _row FROM ({select_src})"
        )
        con.execute(f"DROP TABLE {_q(src)}")
    else:
        con.execute(
            f"CREATE TEMP VIEW {_q(table)} AS SELECT {', '.join(cols)}, _row FROM ({select_src})"
        )
    counted = _q(table) if fmt == "csv" else f"read_parquet({_lit(str(path))})"  # metadata only
    n = con.execute(f"SELECT count(*) FROM {counted}").fetchone()
    rows = int(n[0]) if n else 0
    if rows == 0 and n_bad == 0:
        raise InputFileError(str(path), "has a header but no data rows")
    ignored = tuple(n for n in names if n.strip().lower() not in mapping)
    return ReadResult(path, kind, fmt, table, rejects, rows, n_bad, ignored)


def _first_words(exc: Exception) -> str:
    """The first line of an engine error, without quoted file content."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    msg = re.sub(r"Original Line:.*", "", msg)
    return msg[:160].strip()

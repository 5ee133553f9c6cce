"""Load files into the store, all or nothing.

One call loads every file given, inside one DuckDB transaction: if any file is
unusable the transaction is rolled back and the store is exactly as it was.
Reference files (organisations, LSOA->IMD lookup) are loaded before births, so
that births can be checked against the sites they name. A file whose content
(sha256) is already in the store is skipped, so loading twice never double counts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import ibis

from matequity import __version__
from matequity import store as store_mod
from matequity.errors import InputFileError
from matequity.ingest.reader import ReadResult, read_table
from matequity.ingest.validate import PARSE_REASONS, RAW_SCHEMA, TYPED_COLUMNS, validate
from matequity.model import schema
from matequity.model.comparator_groups import NEONATAL_UNIT_LEVELS

_KIND_ORDER = {"organisations": 0, "imd_lookup": 1, "births": 2}
_TYPE_WORDS = {
    "birth_date": "a date",
    "death_date": "a date",
    "outcome": "live or still",
}


@dataclass
class FileReport:
    """Reconciliation of one file: rows read = accepted + quarantined."""

    file: str
    kind: str
    status: str
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    load_id: int | None = None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ingest(
    store_path: str | Path,
    paths: Sequence[str | Path],
    load_date: dt.date | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[FileReport]:
    """Load ``paths`` into the store at ``store_path``; see the module docstring."""
    today = load_date or dt.date.today()
    step = on_step or (lambda _msg: None)
    con = store_mod.connect(store_path)
    reports: list[FileReport] = []
    try:
        con.execute("BEGIN TRANSACTION")
        reads: list[tuple[ReadResult, str]] = []
        for i, p in enumerate(paths):
            path = Path(p)
            step(f"reading {path.name}")
            res = read_table(con, path, f"mq_raw_{i}")
            reads.append((res, sha256_file(path)))
        reads.sort(key=lambda rs: _KIND_ORDER[rs[0].kind])
        for res, digest in reads:
            seen = con.execute(
                "SELECT load_id FROM loads WHERE sha256 = ? AND kind = ?", [digest, res.kind]
            ).fetchone()
            if seen:
                reports.append(
                    FileReport(str(res.path), res.kind, f"skipped: already loaded (load {seen[0]})")
                )
                continue
            load_id = _next_load_id(con)
            step(f"validating {res.path.name}")
            if res.kind == "organisations":
                rep = _load_organisations(con, res)
            elif res.kind == "imd_lookup":
                rep = _load_imd(con, res)
            else:
                rep = _load_births(con, res, load_id, today)
            rep.load_id = load_id
            rep.ignored_columns = res.ignored_columns
            if rep.rows_read != rep.accepted + rep.quarantined:  # pragma: no cover - invariant
                raise RuntimeError(f"{res.path}: reconciliation failed")
            _record(con, res, digest, load_id, rep)
            reports.append(rep)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return reports


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()
    return int(row[0]) if row else 1


def _record(
    con: duckdb.DuckDBPyConnection, res: ReadResult, digest: str, load_id: int, rep: FileReport
) -> None:
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?)",
        [
            load_id,
            res.path.name,
            str(res.path.resolve()),
            digest,
            res.kind,
            res.format,
            rep.rows_read,
            rep.accepted,
            rep.quarantined,
            __version__,
        ],
    )
    con.execute(
        "INSERT INTO reconciliation VALUES (?, ?, 'accepted', NULL, ?)",
        [load_id, res.path.name, rep.accepted],
    )
    for reason, n in sorted(rep.by_reason.items()):
        con.execute(
            "INSERT INTO reconciliation VALUES (?, ?, 'quarantined', ?, ?)",
            [load_id, res.path.name, reason, n],
        )


def _check_types(con: duckdb.DuckDBPyConnection, res: ReadResult, validated: str) -> None:
    """Refuse a file with a column whose values are wrong throughout: present in
    some rows, parseable in none (aggregates only)."""
    parts = []
    for col, code in PARSE_REASONS.items():
        parts.append(f'count({col}) AS "{col}__parsed"')
        parts.append(
            f"count(*) FILTER (WHERE contains(coalesce(reasons, ''), '{code}')) "
            f'AS "{col}__failed"'
        )
    cur = con.execute(f'SELECT {", ".join(parts)} FROM "{validated}"')
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone() or (), strict=True))
    for col in PARSE_REASONS:
        parsed, failed = row[f"{col}__parsed"], row[f"{col}__failed"]
        present = parsed + failed
        if failed and not parsed:
            what = _TYPE_WORDS.get(col, "a whole number")
            raise InputFileError(
                str(res.path), f"column '{col}': none of its {present} values is {what}"
            )


def _load_births(
    con: duckdb.DuckDBPyConnection, res: ReadResult, load_id: int, today: dt.date
) -> FileReport:
    raw = ibis.table(RAW_SCHEMA, name=res.table)
    # one-column views, so that the compiled IN (SELECT * ...) sees one column
    con.execute("CREATE OR REPLACE TEMP VIEW mq_sites AS SELECT site_code FROM organisations")
    con.execute("CREATE OR REPLACE TEMP VIEW mq_loaded_ids AS SELECT baby_id FROM babies")
    sites = ibis.table({"site_code": "string"}, name="mq_sites").site_code
    loaded = ibis.table({"baby_id": "string"}, name="mq_loaded_ids").baby_id
    checked = validate(raw, sites, loaded, today)
    vt = f"{res.table}__validated"
    con.execute(f'CREATE TEMP TABLE "{vt}" AS {ibis.to_sql(checked, dialect="duckdb")}')
    _check_types(con, res, vt)
    typed = ", ".join(TYPED_COLUMNS)
    con.execute(
        f'INSERT INTO babies SELECT {typed}, {load_id}, _row FROM "{vt}" WHERE reason IS NULL'
    )
    raw_cols = ", ".join(f"raw_{c}" for c in schema.BIRTH_FIELD_NAMES)
    con.execute(
        f"INSERT INTO quarantine SELECT {load_id}, ?, _row, NULL, reason, reasons, {raw_cols}, "
        f'NULL FROM "{vt}" WHERE reason IS NOT NULL',
        [res.path.name],
    )
    if res.rejects_table and res.rows_malformed:
        con.execute(
            "INSERT INTO quarantine "
            "(load_id, source_file, source_line, reason, reasons, raw_line) "
            f"SELECT {load_id}, ?, line, 'malformed_row', 'malformed_row', raw_line "
            f'FROM "{res.rejects_table}"',
            [res.path.name],
        )
    counts = con.execute(f'SELECT reason, count(*) FROM "{vt}" GROUP BY reason').fetchall()
    by_reason = {r: int(n) for r, n in counts if r is not None}
    if res.rows_malformed:
        by_reason["malformed_row"] = res.rows_malformed
    accepted = sum(int(n) for r, n in counts if r is None)
    con.execute(f'DROP TABLE "{vt}"')
    return FileReport(
        str(res.path),
        "births",
        "loaded",
        res.rows_read,
        accepted,
        sum(by_reason.values()),
        by_reason,
    )


def _reference_rows(con: duckdb.DuckDBPyConnection, res: ReadResult, key: str) -> None:
    nulls = con.execute(
        f"SELECT min(_row) FROM \"{res.table}\" WHERE nullif(trim({key}), '') IS NULL"
    ).fetchone()
    if nulls and nulls[0] is not None:
        raise InputFileError(str(res.path), f"row {nulls[0]}: {key} is blank")
    dup = con.execute(
        f'SELECT trim({key}) AS k FROM "{res.table}" GROUP BY k HAVING count(*) > 1 LIMIT 1'
    ).fetchone()
    if dup:
        raise InputFileError(str(res.path), f"{key} is not unique (a code appears twice)")
    if res.rows_malformed:
        raise InputFileError(
            str(res.path), f"{res.rows_malformed} line(s) do not match the header's columns"
        )


#: text read as "no value" in the optional organisation columns (as in births files)
_NO_VALUE = ("", "NA", "NULL", "NONE", "NAN")


def _load_organisations(con: duckdb.DuckDBPyConnection, res: ReadResult) -> FileReport:
    _reference_rows(con, res, "site_code")
    cols = schema.ORGANISATION_COLUMNS
    # optional neonatal_unit_level: NULL when the file has no such column (reader)
    level = "neonatal_unit_level"
    codes = list(NEONATAL_UNIT_LEVELS)
    allowed = [c.upper() for c in codes] + list(_NO_VALUE)
    bad = con.execute(
        f"SELECT min(_row) FROM \"{res.table}\" WHERE upper(trim(coalesce({level}, ''))) "
        f"NOT IN ({', '.join('?' for _ in allowed)})",
        allowed,
    ).fetchone()
    if bad and bad[0] is not None:
        raise InputFileError(
            str(res.path),
            f"row {bad[0]}: {level} is not one of {', '.join(codes)} or blank",
        )
    cases = " ".join("WHEN ? THEN ?" for _ in codes)
    params = [v for c in codes for v in (c.upper(), c)]
    con.execute(
        f'DELETE FROM organisations WHERE site_code IN (SELECT trim(site_code) FROM "{res.table}")'
    )
    con.execute(
        f"INSERT INTO organisations ({', '.join(cols)}, {level}) "
        f"SELECT {', '.join(f'trim({c})' for c in cols)}, "
        f"CASE upper(trim({level})) {cases} ELSE NULL END "
        f'FROM "{res.table}"',
        params,
    )
    return FileReport(str(res.path), res.kind, "loaded", res.rows_read, res.rows_read, 0)


def _load_imd(con: duckdb.DuckDBPyConnection, res: ReadResult) -> FileReport:
    _reference_rows(con, res, "lsoa_code")
    bad = con.execute(
        f'SELECT min(_row) FROM "{res.table}" WHERE '
        "NOT coalesce(regexp_matches(trim(imd_decile), '^([1-9]|10)$'), false)"
    ).fetchone()
    if bad and bad[0] is not None:
        raise InputFileError(str(res.path), f"row {bad[0]}: imd_decile is not a whole number 1-10")
    con.execute(
        f'DELETE FROM imd_lookup WHERE lsoa_code IN (SELECT trim(lsoa_code) FROM "{res.table}")'
    )
    con.execute(
        f"INSERT INTO imd_lookup SELECT trim(lsoa_code), CAST(trim(imd_decile) AS INTEGER) "
        f'FROM "{res.table}"'
    )
    return FileReport(str(res.path), res.kind, "loaded", res.rows_read, res.rows_read, 0)

"""The local store: one DuckDB file holding validated records and their audit.

Tables:

* ``babies``: accepted rows, typed (see :data:`matequity.ingest.validate.TYPED_COLUMNS`),
  with ``load_id`` and ``source_row``.
* ``quarantine``: rejected rows with ``reason`` (first failed check), ``reasons``
  (all), the raw text of every contract column, and ``raw_line`` for lines that
  could not be split.
* ``organisations``, ``imd_lookup``: reference tables (replaced by key on load).
* ``loads``: one row per file loaded (sha256, rows read, accepted, quarantined).
* ``reconciliation``: rows per load, outcome and reason.

The store holds record-level data and stays on the analyst's machine; nothing
here writes records to logs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from matequity.ingest.validate import TYPED_COLUMNS
from matequity.model import schema

_DUCK_TYPES = {"string": "VARCHAR", "date": "DATE", "int32": "INTEGER", "boolean": "BOOLEAN"}

DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS babies ("
    + ", ".join(f"{k} {_DUCK_TYPES[v]}" for k, v in TYPED_COLUMNS.items())
    + ", load_id INTEGER NOT NULL, source_row BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS quarantine (load_id INTEGER NOT NULL, source_file VARCHAR, "
    "source_row BIGINT, source_line BIGINT, reason VARCHAR NOT NULL, reasons VARCHAR, "
    + ", ".join(f"raw_{c} VARCHAR" for c in schema.BIRTH_FIELD_NAMES)
    + ", raw_line VARCHAR)",
    "CREATE TABLE IF NOT EXISTS organisations ("
    + ", ".join(f"{c} VARCHAR" for c in schema.ORGANISATION_STORE_COLUMNS)
    + ", PRIMARY KEY (site_code))",
    # stores made before the optional columns existed gain them (blank)
    *(
        f"ALTER TABLE organisations ADD COLUMN IF NOT EXISTS {f.name} VARCHAR"
        for f in schema.ORGANISATION_OPTIONAL_FIELDS
    ),
    "CREATE TABLE IF NOT EXISTS imd_lookup (lsoa_code VARCHAR PRIMARY KEY, imd_decile INTEGER)",
    "CREATE TABLE IF NOT EXISTS loads (load_id INTEGER PRIMARY KEY, file_name VARCHAR, "
    "file_path VARCHAR, sha256 VARCHAR, kind VARCHAR, format VARCHAR, loaded_at TIMESTAMP, "
    "rows_read BIGINT, rows_accepted BIGINT, rows_quarantined BIGINT, "
    "matequity_version VARCHAR)",
    "CREATE TABLE IF NOT EXISTS reconciliation (load_id INTEGER, file_name VARCHAR, "
    "outcome VARCHAR, reason VARCHAR, rows BIGINT)",
)


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path``; ``:memory:`` for tests."""
    p = str(path)
    if p != ":memory:":
        Path(p).parent.mkdir(parents=True, exist_ok=True)
    if read_only and p != ":memory:" and Path(p).exists():
        return duckdb.connect(p, read_only=True)
    con = duckdb.connect(p)
    for stmt in DDL:
        con.execute(stmt)
    return con


def loads_table(con: duckdb.DuckDBPyConnection):
    """Per-file reconciliation (aggregates only)."""
    return con.execute(
        "SELECT load_id, file_name, kind, rows_read, rows_accepted, rows_quarantined, loaded_at "
        "FROM loads ORDER BY load_id"
    ).df()


def reasons_table(con: duckdb.DuckDBPyConnection):
    """Quarantined rows per file and reason (aggregates only)."""
    from matequity.ingest.reasons import DESCRIPTIONS

    df = con.execute(
        "SELECT load_id, file_name, reason, rows FROM reconciliation "
        "WHERE outcome = 'quarantined' ORDER BY load_id, rows DESC"
    ).df()
    df["description"] = df["reason"].map(DESCRIPTIONS)
    return df


def audit(path: str | Path):
    """(loads, reasons) of the store at ``path``, opened read-only."""
    con = connect(path, read_only=True)
    try:
        return loads_table(con), reasons_table(con)
    finally:
        con.close()

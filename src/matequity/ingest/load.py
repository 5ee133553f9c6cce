"""Load files into a store, all or nothing, on any engine.

One call loads every file given inside one write of the engine
(:func:`matequity.engine.writer`): if any file is unusable the write is
abandoned and the store is exactly as it was (a store that did not exist is not
created). Reference files (organisations, LSOA->IMD lookup) are loaded before
births, so that births can be checked against the sites they name. A file whose
content (SHA-256) is already in the store is skipped, so loading twice never
double counts. Validation is one Ibis expression
(:func:`matequity.ingest.validate.validate`), so it quarantines with the same
reasons on DuckDB and on Spark. When records change, the same write rebuilds the
derived tables (:mod:`matequity.engine.derived`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from matequity import __version__, engine
from matequity.engine import derived
from matequity.engine.files import ReadResult
from matequity.errors import InputFileError
from matequity.ingest import parse
from matequity.ingest.validate import (
    PARSE_REASONS,
    TYPED_COLUMNS,
    accepted_values,
    clean_raw,
    validate,
)
from matequity.model import schema
from matequity.model.comparator_groups import NEONATAL_UNIT_LEVELS

_KIND_ORDER = {"organisations": 0, "imd_lookup": 1, "births": 2}
_TYPE_WORDS = {
    "birth_date": "a date",
    "death_date": "a date",
    "outcome": "live or still",
}
#: a column is refused as the wrong type only when at least this many of its
#: values are present and none parses; fewer bad values quarantine their rows
MIN_VALUES_FOR_TYPE_CHECK = 10
#: organisation codes are ODS-shaped: letters and digits only (no separators,
#: dots or control characters), so a code can never name a path
ODS_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")
CODE_COLUMNS = ("site_code", "trust_code", "lmns_code", "region_code")


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
    kind: str = "duckdb",
    session: Any = None,
) -> list[FileReport]:
    """Load ``paths`` into the store at ``store_path``; see the module docstring."""
    today = load_date or dt.date.today()
    step = on_step or (lambda _msg: None)
    reports: list[FileReport] = []
    for p in paths:  # refuse a missing file before anything is created
        if not Path(p).exists():
            raise InputFileError(str(p), "no such file")
    with engine.writer(kind, store_path, session) as w:
        reads: list[tuple[ReadResult, str]] = []
        for i, p in enumerate(paths):
            path = Path(p)
            step(f"reading {path.name}")
            reads.append((w.stage_file(path, f"mq_raw_{i}"), sha256_file(path)))
        reads.sort(key=lambda rs: _KIND_ORDER[rs[0].kind])
        changed = False
        for res, digest in reads:
            loads = w.table("loads")
            seen = w.execute(
                loads.filter((loads.sha256 == digest) & (loads.kind == res.kind)).select("load_id")
            )
            if len(seen):
                reports.append(
                    FileReport(
                        str(res.path),
                        res.kind,
                        f"skipped: already loaded (load {int(seen['load_id'].iloc[0])})",
                    )
                )
                continue
            load_id = _next_load_id(w)
            step(f"validating {res.path.name}")
            if res.kind == "organisations":
                rep = _load_organisations(w, res)
            elif res.kind == "imd_lookup":
                rep = _load_imd(w, res)
            else:
                rep = _load_births(w, res, load_id, today)
            rep.load_id = load_id
            rep.ignored_columns = res.ignored_columns
            if rep.rows_read != rep.accepted + rep.quarantined:  # pragma: no cover - invariant
                raise RuntimeError(f"{res.path}: reconciliation failed")
            _record(w, res, digest, load_id, rep)
            reports.append(rep)
            changed = True
        if changed or not derived.is_current(w):
            step("deriving")
            derived.build(w)
    return reports


def _next_load_id(w) -> int:
    t = w.table("loads")
    n = w.execute(t.aggregate(m=t.load_id.max()))["m"].iloc[0]
    return 1 if pd.isna(n) else int(n) + 1


def _record(w, res: ReadResult, digest: str, load_id: int, rep: FileReport) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    w.insert(
        "loads",
        pd.DataFrame(
            {
                "load_id": [load_id],
                "file_name": [res.path.name],
                "file_path": [str(res.path.resolve())],
                "sha256": [digest],
                "kind": [res.kind],
                "format": [res.format],
                "loaded_at": [now],
                "rows_read": [rep.rows_read],
                "rows_accepted": [rep.accepted],
                "rows_quarantined": [rep.quarantined],
                "matequity_version": [__version__],
            }
        ),
    )
    rows = [(load_id, res.path.name, "accepted", None, rep.accepted)]
    rows += [
        (load_id, res.path.name, "quarantined", reason, n)
        for reason, n in sorted(rep.by_reason.items())
    ]
    w.insert(
        "reconciliation",
        pd.DataFrame(rows, columns=["load_id", "file_name", "outcome", "reason", "rows"]),
    )


def _check_types(w, res: ReadResult, rows: ir.Table, failed: ir.Table) -> None:
    """Refuse a file with a column whose values are wrong throughout: present in
    many rows, parseable in none (aggregates only).

    ``rows`` is the cleaned extract (:func:`clean_raw`) and ``failed`` its
    quarantined rows: a column is refused only when at least
    :data:`MIN_VALUES_FOR_TYPE_CHECK` of them failed to parse it, and only then
    is the whole extract scanned for a value of it that parses."""
    tagged = ";" + failed.reasons.fill_null("") + ";"
    aggs = {
        # a file with no row quarantined sums to NULL: none failed
        col: tagged.contains(f";{code};").cast("int64").sum().fill_null(0)
        for col, code in PARSE_REASONS.items()
    }
    row = w.execute(failed.aggregate(**aggs)).iloc[0]
    suspect = [col for col in PARSE_REASONS if int(row[col]) >= MIN_VALUES_FOR_TYPE_CHECK]
    if not suspect:
        return
    values = accepted_values(rows)
    parsed = w.execute(rows.aggregate(**{col: values[col].count() for col in suspect})).iloc[0]
    for col in suspect:
        if int(parsed[col]) == 0:
            what = _TYPE_WORDS.get(col, "a whole number")
            raise InputFileError(
                str(res.path), f"column '{col}': none of its {int(row[col])} values is {what}"
            )


def _load_births(w, res: ReadResult, load_id: int, today: dt.date) -> FileReport:
    """Validate the staged extract, quarantine its failed rows and insert the rest.

    Only the quarantined rows (usually few) are written out by validation; the
    accepted rows are inserted straight from the extract, typed by the same
    expressions (:func:`matequity.ingest.validate.accepted_values`), which costs
    far less than writing every row out and reading it back."""
    raw = w.table(res.table)
    sites = w.table("organisations").site_code
    loaded = w.table("babies").baby_id
    fname = f"{res.table}__failed"
    checked = validate(raw, sites, loaded, today)
    ft = w.create_temp(
        fname,
        checked.filter(checked.reason.notnull()).select(
            "_row", "reason", "reasons", *[f"raw_{c}" for c in schema.BIRTH_FIELD_NAMES]
        ),
    )
    rows = clean_raw(raw)
    _check_types(w, res, rows, ft)
    accepted = rows.anti_join(ft, rows._row == ft._row)
    values = accepted_values(accepted)
    w.insert(
        "babies",
        accepted.select(
            **{k: values[k] for k in TYPED_COLUMNS},
            load_id=ibis.literal(load_id, "int32"),
            source_row=accepted._row,
        ),
    )
    w.insert(
        "quarantine",
        ft.select(
            load_id=ibis.literal(load_id, "int32"),
            source_file=ibis.literal(res.path.name),
            source_row=ft._row,
            reason=ft.reason,
            reasons=ft.reasons,
            **{f"raw_{c}": ft[f"raw_{c}"] for c in schema.BIRTH_FIELD_NAMES},
        ),
    )
    if res.rejects_table and res.rows_malformed:
        lines = w.table(res.rejects_table)
        w.insert(
            "quarantine",
            lines.select(
                load_id=ibis.literal(load_id, "int32"),
                source_file=ibis.literal(res.path.name),
                source_line=lines.line.cast("int64"),
                reason=ibis.literal("malformed_row"),
                reasons=ibis.literal("malformed_row"),
                raw_line=lines.raw_line,
            ),
        )
    counts = w.execute(ft.group_by("reason").aggregate(n=ft.count()))
    by_reason = {r: int(n) for r, n in zip(counts["reason"], counts["n"], strict=True)}
    n_ok = int(w.execute(raw.count())) - sum(by_reason.values())
    if res.rows_malformed:
        by_reason["malformed_row"] = res.rows_malformed
    w.drop_temp(fname)
    return FileReport(
        str(res.path),
        "births",
        "loaded",
        res.rows_read,
        n_ok,
        sum(by_reason.values()),
        by_reason,
    )


def _trim(s: ir.Value) -> ir.StringValue:
    """Text without surrounding spaces (a blank value is NULL)."""
    return parse.clean(s.cast("string"))


def _reference_rows(w, res: ReadResult, key: str, codes: Sequence[str] = ()) -> ir.Table:
    """The file's rows, trimmed, after the checks every reference file passes."""
    t = w.table(res.table)
    if res.rows_malformed:
        raise InputFileError(
            str(res.path), f"{res.rows_malformed} line(s) do not match the header's columns"
        )
    cols = [c for c in t.columns if c != "_row"]
    trimmed = t.select("_row", **{c: _trim(t[c]) for c in cols})
    blank = w.execute(trimmed.filter(trimmed[key].isnull()).aggregate(r=trimmed._row.min()))
    if not pd.isna(blank["r"].iloc[0]):
        raise InputFileError(str(res.path), f"row {int(blank['r'].iloc[0])}: {key} is blank")
    dup = w.execute(
        trimmed.group_by(trimmed[key])
        .aggregate(n=trimmed.count())
        .filter(lambda x: x.n > 1)
        .count()
    )
    if int(dup) > 0:
        raise InputFileError(str(res.path), f"{key} is not unique (a code appears twice)")
    pattern = ODS_CODE.pattern
    for col in codes:
        bad = trimmed.filter(trimmed[col].notnull() & ~trimmed[col].re_search(pattern))
        first = w.execute(bad.aggregate(r=bad._row.min()))["r"].iloc[0]
        if not pd.isna(first):
            raise InputFileError(
                str(res.path),
                f"row {int(first)}, column '{col}': expected an ODS-style code (letters and "
                "digits only)",
            )
    return trimmed


#: text read as "no value" in the optional organisation columns (as in births files)
_NO_VALUE = ("NA", "NULL", "NONE", "NAN")


def _load_organisations(w, res: ReadResult) -> FileReport:
    cols = (*schema.ORGANISATION_COLUMNS, *schema.OPTIONAL_ORGANISATION_COLUMNS)
    new = _reference_rows(w, res, "site_code", CODE_COLUMNS)
    required = [c for c in schema.ORGANISATION_COLUMNS if c != "site_code"]
    for col in required:
        gap = w.execute(new.filter(new[col].isnull()).aggregate(r=new._row.min()))["r"].iloc[0]
        if not pd.isna(gap):
            raise InputFileError(str(res.path), f"row {int(gap)}: {col} is blank")
    # the optional neonatal unit level: one of the MBRRACE-UK codes (any case) or blank
    level = new.neonatal_unit_level.upper()
    known = ibis.cases(
        *[(level == code.upper(), ibis.literal(code)) for code in NEONATAL_UNIT_LEVELS],
        else_=ibis.null("string"),
    )
    no_value = new.neonatal_unit_level.isnull() | level.isin(list(_NO_VALUE))
    bad = new.filter(~no_value & known.isnull())
    first = w.execute(bad.aggregate(r=bad._row.min()))["r"].iloc[0]
    if not pd.isna(first):
        raise InputFileError(
            str(res.path),
            f"row {int(first)}: neonatal_unit_level is not one of "
            f"{', '.join(NEONATAL_UNIT_LEVELS)} or blank",
        )
    new = new.mutate(neonatal_unit_level=known)
    old = w.table("organisations")
    kept = old.filter(~old.site_code.isin(new.site_code))
    w.replace("organisations", kept.select(*cols).union(new.select(*cols)))
    return FileReport(str(res.path), res.kind, "loaded", res.rows_read, res.rows_read, 0)


def _load_imd(w, res: ReadResult) -> FileReport:
    new = _reference_rows(w, res, "lsoa_code")
    decile = parse.parse_int(new.imd_decile)
    bad = new.filter(decile.isnull() | ~decile.between(1, 10))
    first = w.execute(bad.aggregate(r=bad._row.min()))["r"].iloc[0]
    if not pd.isna(first):
        raise InputFileError(
            str(res.path), f"row {int(first)}: imd_decile is not a whole number 1-10"
        )
    old = w.table("imd_lookup")
    kept = old.filter(~old.lsoa_code.isin(new.lsoa_code))
    fresh = new.select("lsoa_code", imd_decile=decile.cast("int32"))
    w.replace("imd_lookup", kept.union(fresh))
    return FileReport(str(res.path), res.kind, "loaded", res.rows_read, res.rows_read, 0)

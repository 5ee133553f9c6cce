"""Valid / Default / Invalid / Missing for every input field, per site and month.

The layout is NHS England's MSDS data-quality ("VODIM") file: for each data item,
counts of Valid, Default, Invalid and Missing values and the Denominator (their
sum). Here every row read counts once per field:

* accepted rows (``babies``) are classified from their typed values (a value that
  failed a check would have quarantined the row, so they are never Invalid except
  an LSOA that is not in the lookup);
* quarantined rows are classified from their raw text with the same parsers that
  ingest uses, so a row quarantined for a bad birthweight counts as Invalid for
  birthweight and as whatever it is for every other field.

Default means an MSDS "not known" code kept by the store: ethnic category Z and
99, birthweight 9999 g, sex X. All of it is one Ibis aggregate per table run by
the engine; Python only sees the site x month counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from matequity.engine import derive
from matequity.engine.base import Engine
from matequity.ingest import parse
from matequity.model import schema
from matequity.model.ethnicity import ETHNIC_CATEGORY_LABELS

STATUSES: tuple[str, ...] = ("valid", "default", "invalid", "missing")
NOT_KNOWN_ORG = "Not known"
NOT_KNOWN_MONTH = "Not known"

#: ethnic category codes that are the MSDS defaults (not stated, not known)
ETHNIC_DEFAULTS: tuple[str, ...] = ("Z", "99")


@dataclass(frozen=True)
class FieldRule:
    """How a field's value is classified (see the module docstring)."""

    name: str
    kind: Literal["text", "date", "code", "integer", "boolean", "site", "lsoa", "ethnic", "sex"]
    #: blank is the normal value for most babies (e.g. no death date)
    blank_expected: bool = False


def _kind(f: schema.Field) -> str:
    special = {
        "site_code": "site",
        "lsoa_code": "lsoa",
        "ethnic_category": "ethnic",
        "sex": "sex",
        "outcome": "code",
    }
    if f.name in special:
        return special[f.name]
    return {"string": "text", "integer": "integer", "date": "date", "boolean": "boolean"}[f.type]


#: fields where blank is the usual value, so "missing" is not a shortfall
BLANK_EXPECTED: frozenset[str] = frozenset({"death_date"})

RULES: tuple[FieldRule, ...] = tuple(
    FieldRule(f.name, _kind(f), f.name in BLANK_EXPECTED) for f in schema.BIRTH_FIELDS
)


def _status(
    present: ir.BooleanValue, ok: ir.BooleanValue, default: ir.BooleanValue | None = None
) -> ir.StringValue:
    cases = [(~present.fill_null(False), ibis.literal("missing"))]
    if default is not None:
        cases.append((default.fill_null(False), ibis.literal("default")))
    cases.append((ok.fill_null(False), ibis.literal("valid")))
    return ibis.cases(*cases, else_=ibis.literal("invalid"))


def _classify(
    rule: FieldRule,
    present: ir.BooleanValue,
    value: ir.Value,
    sites: ir.Column,
    lsoas: ir.Column,
) -> ir.StringValue:
    """Status of one field from ``value`` (typed, NULL when it did not parse)."""
    if rule.kind == "integer":
        f = schema.field(rule.name)
        ok = value.between(f.valid_min, f.valid_max)
        default = value.isin(list(f.not_known_values)) if f.not_known_values else None
        return _status(present, ok, default)
    if rule.kind == "ethnic":
        codes = [c for c in ETHNIC_CATEGORY_LABELS if c not in ETHNIC_DEFAULTS]
        return _status(present, value.isin(codes), value.isin(list(ETHNIC_DEFAULTS)))
    if rule.kind == "sex":
        return _status(present, value.notnull(), value == schema.SEX_NOT_KNOWN)
    if rule.kind == "site":
        return _status(present, value.isin(sites))
    if rule.kind == "lsoa":
        return _status(present, value.isin(lsoas))
    return _status(present, value.notnull())


def _parsed(rule: FieldRule, text: ir.StringValue) -> ir.Value:
    """The typed value of cleaned raw ``text`` (NULL when it does not parse)."""
    parser = {
        "integer": parse.parse_int,
        "date": parse.parse_date,
        "boolean": parse.parse_bool,
        "sex": parse.parse_sex,
        "ethnic": parse.parse_ethnic_code,
    }.get(rule.kind)
    if rule.name == "outcome":
        parser = parse.parse_outcome
    return parser(text) if parser else text


def _month(d: ir.DateValue) -> ir.StringValue:
    return derive.period_label(d, "month").fill_null(NOT_KNOWN_MONTH)


def accepted_status(babies: ir.Table, sites: ir.Column, lsoas: ir.Column) -> ir.Table:
    """site_code, month and one status column per field for accepted rows."""
    status = {
        r.name: _classify(r, babies[r.name].notnull(), babies[r.name], sites, lsoas) for r in RULES
    }
    return babies.select(_site=babies.site_code, month=_month(babies.birth_date), **status)


def quarantined_status(quarantine: ir.Table, sites: ir.Column, lsoas: ir.Column) -> ir.Table:
    """The same for quarantined rows, from their raw text. Rows that could not be
    split into columns (``malformed_row``) have no fields and are left out here;
    they appear in the quarantine roll-up."""
    q = quarantine.filter(quarantine.reason != "malformed_row")
    clean = {r.name: parse.clean(q[f"raw_{r.name}"]) for r in RULES}
    q = q.select(**clean)
    site = ibis.cases((q.site_code.isin(sites), q.site_code), else_=ibis.literal(NOT_KNOWN_ORG))
    status = {
        r.name: _classify(r, q[r.name].notnull(), _parsed(r, q[r.name]), sites, lsoas)
        for r in RULES
    }
    return q.select(_site=site, month=_month(parse.parse_date(q.birth_date)), **status)


def _aggregate(t: ir.Table) -> ir.Table:
    aggs = {f"{r.name}__{s}": (t[r.name] == s).cast("int64").sum() for r in RULES for s in STATUSES}
    return t.group_by(site_code=t._site, month=t.month).aggregate(**aggs)


def site_month_counts(engine: Engine) -> pd.DataFrame:
    """Long table: site_code, month, field, valid, default, invalid, missing
    (accepted and quarantined rows together)."""
    sites = engine.table("organisations").site_code
    lsoas = engine.table("imd_lookup").lsoa_code
    parts = [engine.execute(_aggregate(accepted_status(engine.table("babies"), sites, lsoas)))]
    parts.append(
        engine.execute(_aggregate(quarantined_status(engine.table("quarantine"), sites, lsoas)))
    )
    wide = pd.concat(parts, ignore_index=True)
    wide = wide.groupby(["site_code", "month"], as_index=False).sum(numeric_only=True)
    long = []
    for r in RULES:
        part = wide[["site_code", "month"]].copy()
        part["field"] = r.name
        for s in STATUSES:
            part[s] = wide[f"{r.name}__{s}"].astype("int64")
        long.append(part)
    return pd.concat(long, ignore_index=True)

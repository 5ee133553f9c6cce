"""Row validation of a births extract, as one Ibis expression.

Input: the raw extract with every contract column as text (absent optional
columns as NULL) and a ``_row`` number; the known site codes; the baby_ids
already in the store. Output: one row per input row with the typed values, the
first failing ``reason`` (NULL when the row is accepted) and all ``reasons``.
Nothing is pulled into Python: the caller runs or compiles the expression on its
engine.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from matequity.engine import tables
from matequity.ingest import parse
from matequity.ingest.reasons import INTEGER_FIELD_REASONS, REASON_CODES
from matequity.model import schema
from matequity.model.ethnicity import ETHNIC_CATEGORY_LABELS

#: typed columns of an accepted row, in store order
TYPED_COLUMNS: dict[str, str] = tables.TYPED_COLUMNS

#: a birth before this day is implausible in a maternity extract (MSDS began in
#: 2015, HES maternity in 1989): a mistyped year such as 1850 for 1985
EARLIEST_BIRTH_DATE = dt.date(1950, 1, 1)

RAW_SCHEMA = ibis.schema({**{c: "string" for c in schema.BIRTH_FIELD_NAMES}, "_row": "int64"})


def clean_raw(raw: ir.Table) -> ir.Table:
    """Trim every text column and turn blank tokens into NULL (typed columns of a
    Parquet file are kept as they are)."""
    return raw.select("_row", **{c: parse.clean(raw[c]) for c in schema.BIRTH_FIELD_NAMES})


def validate(
    raw: ir.Table,
    site_codes: ir.Column,
    loaded_ids: ir.Column,
    load_date: dt.date,
) -> ir.Table:
    """Typed values plus ``reason``/``reasons`` for every row of ``raw``."""
    c = clean_raw(raw)
    r = repeated_rows(raw)
    c = c.left_join(r, c._row == r._drow).drop("_drow")

    typed, ints = _parsed(c)
    t = c.mutate(**{f"_{k}": v for k, v in {**typed, **ints}.items()})

    def p(col: str) -> ir.Value:
        return t[f"_{col}"]

    cond: dict[str, ir.BooleanValue] = {
        "missing_baby_id": t.baby_id.isnull(),
        "duplicate_baby_id": t._n_exact.notnull() & (t._n_id > t._n_exact),
        "duplicate_row": t._n_exact.notnull() & (t._n_id == t._n_exact) & (t._rn_exact > 0),
        "baby_id_already_loaded": t.baby_id.isin(loaded_ids),
        "missing_delivery_id": t.delivery_id.isnull(),
        "missing_mother_id": t.mother_id.isnull(),
        "missing_site_code": t.site_code.isnull(),
        "unknown_site": t.site_code.notnull() & ~t.site_code.isin(site_codes),
        "missing_birth_date": t.birth_date.isnull(),
        "unparseable_birth_date": t.birth_date.notnull() & p("birth_date").isnull(),
        "birth_date_in_future": p("birth_date") > ibis.literal(load_date),
        "birth_date_implausible": p("birth_date") < ibis.literal(EARLIEST_BIRTH_DATE),
        "invalid_outcome": p("outcome").isnull(),
        "unparseable_death_date": t.death_date.notnull() & p("death_date").isnull(),
        "death_before_birth": p("death_date") < p("birth_date"),
        "death_date_in_future": p("death_date") > ibis.literal(load_date),
        "unknown_ethnic_code": t.ethnic_category.notnull()
        & ~parse.one_of(p("ethnic_category"), tuple(ETHNIC_CATEGORY_LABELS)),
        "invalid_termination": t.termination.notnull() & p("termination").isnull(),
        "invalid_maternal_death": t.maternal_death.notnull() & p("maternal_death").isnull(),
        "invalid_severe_maternal_morbidity": t.severe_maternal_morbidity.notnull()
        & p("severe_maternal_morbidity").isnull(),
        "invalid_sex": t.sex.notnull() & p("sex").isnull(),
    }
    for short, col, _rng in INTEGER_FIELD_REASONS:
        f = schema.field(col)
        v = p(col)
        cond[f"invalid_{short}"] = t[col].notnull() & v.isnull()
        in_range = v.between(f.valid_min, f.valid_max)
        if f.not_known_values:
            in_range = in_range | parse.one_of(v, f.not_known_values)
        cond[f"{short}_out_of_range"] = v.notnull() & ~in_range

    ordered = [(code, cond[code]) for code in REASON_CODES if code in cond]
    # NULL comparisons are "not failed": coalesce every condition to False
    ordered = [(code, e.fill_null(False)) for code, e in ordered]
    reason = ibis.cases(
        *[(e, ibis.literal(code)) for code, e in ordered], else_=ibis.null("string")
    )
    every = ibis.literal("")
    for code, e in ordered:
        every = every + ibis.cases((e, ibis.literal(code + ";")), else_=ibis.literal(""))
    # every reason is spelled out only for the rows that failed a check
    reasons = ibis.cases((reason.notnull(), every.re_replace(";$", "")), else_=ibis.null("string"))

    # 9999 g (birthweight) and X (sex) are MSDS "not known" codes: the store keeps
    # them so that data-quality reports can count defaults; derive.py reads them
    # as unknown
    out = {**{k: p(k) for k in typed}, **{k: p(k) for k in ints}}
    t = t.mutate(
        **{f"_out_{k}": _typed(out[k], TYPED_COLUMNS[k]) for k in TYPED_COLUMNS},
        reason=reason,
        reasons=reasons,
    )
    # raw text is kept only for quarantined rows (accepted rows are in the typed columns)
    return t.select(
        "_row",
        **{k: t[f"_out_{k}"] for k in TYPED_COLUMNS},
        reason=t.reason,
        reasons=t.reasons,
        **{
            f"raw_{k}": ibis.cases((t.reason.notnull(), _text(t[k])), else_=ibis.null("string"))
            for k in schema.BIRTH_FIELD_NAMES
        },
    )


def repeated_rows(raw: ir.Table) -> ir.Table:
    """The rows of ``raw`` whose (cleaned) baby_id is on more than one row: their
    ``_row`` as ``_drow``, how many rows share the identifier (``_n_id``), how
    many of those are the same in every column (``_n_exact``) and this row's
    place among those, in file order (``_rn_exact``, from 0).

    A shared baby_id is rare: the identifiers are counted with one aggregate,
    and only the rows they pick out are cleaned in full and compared column by
    column (windows over every column). The extract's other columns are cleaned
    once, by the caller, so the engine does not keep a cleaned copy of the whole
    extract to read three times. Rows without a baby_id are not here: they are
    quarantined for that, whatever else they repeat."""
    key = parse.clean(raw.baby_id)
    ids = raw.select(_k=key)
    ids = ids.filter(ids._k.notnull())
    shared = ids.group_by("_k").aggregate(_n_id=ids.count()).filter(lambda t: t._n_id > 1)
    picked = raw.mutate(_k=key)
    picked = picked.join(shared, picked._k == shared._k)
    cols = list(schema.BIRTH_FIELD_NAMES)
    d = picked.select("_row", _n_id=picked._n_id, **{c: parse.clean(picked[c]) for c in cols})
    whole = ibis.window(group_by=[d[k] for k in cols])
    return d.select(
        _drow=d._row,
        _n_id=d._n_id,
        _n_exact=d._row.count().over(whole),
        _rn_exact=ibis.row_number().over(
            ibis.window(group_by=[d[k] for k in cols], order_by=d._row)
        ),
    )


def _parsed(c: ir.Table) -> tuple[dict[str, ir.Value], dict[str, ir.Value]]:
    """The parsed value of every column of the cleaned extract ``c``: (text and
    coded columns, whole-number columns)."""
    typed: dict[str, ir.Value] = {
        "baby_id": c.baby_id,
        "delivery_id": c.delivery_id,
        "mother_id": c.mother_id,
        "site_code": c.site_code,
        "birth_date": parse.parse_date(c.birth_date),
        "outcome": parse.parse_outcome(c.outcome),
        "termination": parse.parse_bool(c.termination),
        "death_date": parse.parse_date(c.death_date),
        "sex": parse.parse_sex(c.sex),
        "ethnic_category": parse.parse_ethnic_code(c.ethnic_category),
        "lsoa_code": c.lsoa_code,
        "maternal_death": parse.parse_bool(c.maternal_death),
        "severe_maternal_morbidity": parse.parse_bool(c.severe_maternal_morbidity),
    }
    ints: dict[str, ir.Value] = {}
    for _short, col, _rng in INTEGER_FIELD_REASONS:
        ints[col] = parse.parse_int(c[col])
    return typed, ints


def accepted_values(c: ir.Table) -> dict[str, ir.Value]:
    """The store's typed value of every column of the cleaned extract ``c``
    (:func:`clean_raw`), as :func:`validate` gives them for an accepted row.

    Ingest inserts accepted rows with these expressions straight from the
    extract (all rows but the quarantined ones), so that only the few
    quarantined rows are written out by validation."""
    typed, ints = _parsed(c)
    out = {**typed, **ints}
    return {k: _typed(out[k], TYPED_COLUMNS[k]) for k in TYPED_COLUMNS}


def _typed(v: ir.Value, to: str) -> ir.Value:
    """``v`` as the store's type; a whole number too large for it (a typed Parquet
    value, quarantined as out of range) is NULL rather than an overflow."""
    if to == "int32":
        fits = v.between(-(2**31), 2**31 - 1)
        return ibis.cases((fits, v.cast("int32")), else_=ibis.null("int32"))
    return v.cast(to)


def _text(v: ir.Value) -> ir.StringValue:
    """A value as the text a quarantined row keeps (typed Parquet values too)."""
    if v.type().is_string():
        return v
    if v.type().is_boolean():
        return ibis.cases((v, ibis.literal("true")), else_=ibis.literal("false"))
    return v.cast("string")


#: for each column parsed to a type: the reason code of a value that does not parse
PARSE_REASONS: dict[str, str] = {
    "birth_date": "unparseable_birth_date",
    "death_date": "unparseable_death_date",
    "outcome": "invalid_outcome",
    **{col: f"invalid_{short}" for short, col, _r in INTEGER_FIELD_REASONS},
}

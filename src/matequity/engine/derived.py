"""The derived store: every derivation made once, when records are loaded.

``babies_derived`` holds one row per baby with the organisation hierarchy, the
labelled breakdowns (both ethnic groupings), the period of birth (year, quarter,
month) and every 0/1 flag of :mod:`matequity.measures.flags`;
``deliveries_derived`` one row per delivery for the maternal measures, made from
``babies_derived`` once that is written (no derivation is made twice). Both are
written by the same write that loads records (ingest), so a count table is one
GROUP BY over a table that is already derived, on any engine. Their text columns
with few values (:func:`few_valued`) may be stored dictionary-encoded by the engine.

``derived_meta`` stamps them with a hash of the derivation definitions (the
source of the modules that define them) and the loads they were built from.
When either differs from the store's (a new matequity with changed definitions,
or a store written before the derived store existed), opening the store rebuilds
them (:func:`matequity.engine.open`), so results are always those of the current definitions;
the existing derivation oracle tests check :func:`babies` against an independent
reading of the definitions.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from matequity import sources
from matequity.engine import tables

if TYPE_CHECKING:  # the derivations need Ibis; checking the stamp needs neither
    import ibis.expr.types as ir

#: the columns of a record that the derived table does not need (identifiers
#: of people and rows: costly to store twice, never grouped by); ``baby_id``
#: stays, as the deliveries' table is made from this one (a delivery's first baby)
_LEFT_OUT = ("mother_id", "lsoa_code", "load_id", "source_row")


#: the modules whose source defines the derived tables (besides this one)
_DEFINING = (
    "matequity.engine.derive",
    "matequity.measures.flags",
    "matequity.model.age",
    "matequity.model.definitions",
    "matequity.model.deprivation",
    "matequity.model.ethnicity",
)


def definitions_hash() -> str:
    """A hash of the derivation definitions (the source of this module and of
    the defining modules: :func:`matequity.sources.digest`)."""
    return sources.digest(sources.files([__name__, *_DEFINING]))[:16]


def _babies_with_ons(records: ir.Table, organisations: ir.Table, imd_lookup: ir.Table) -> ir.Table:
    """:func:`derive.babies_derived` (MSDS groups) with each baby's ONS group beside."""
    from matequity.engine import derive

    b = derive.babies_derived(records, organisations, imd_lookup, grouping="msds")
    return b.mutate(ethnic_group_ons=derive.ethnic_group(b.ethnic_category, "ons"))


def _periods(d: ir.DateValue) -> dict[str, ir.Value]:
    return {
        "year": d.year().cast("int16"),
        "quarter": d.quarter().cast("int8"),
        "month": d.month().cast("int8"),
    }


def babies(records: ir.Table, organisations: ir.Table, imd_lookup: ir.Table) -> ir.Table:
    """The ``babies_derived`` table as an expression over the record tables."""
    b = _babies_with_ons(records, organisations, imd_lookup)
    return b.select(*[c for c in b.columns if c not in _LEFT_OUT], **_periods(b.birth_date))


def deliveries(records: ir.Table, organisations: ir.Table, imd_lookup: ir.Table) -> ir.Table:
    """The ``deliveries_derived`` table as an expression over the record tables."""
    return deliveries_from(babies(records, organisations, imd_lookup))


def deliveries_from(babies_derived: ir.Table) -> ir.Table:
    """The ``deliveries_derived`` table from the ``babies_derived`` table (or its
    expression): a delivery's ONS group is its first baby's, as its MSDS group is."""
    from matequity.engine import derive

    d = derive.deliveries_derived(babies_derived, carry=("ethnic_group_ons",))
    return d.mutate(**_periods(d.birth_date))


#: the kinds of load the derived tables are made from
RECORD_KINDS = ("births", "organisations", "imd_lookup")


def loads_signature(engine) -> str:
    """Which loads the records come from (their ids, in order)."""
    ids = sorted(int(r["load_id"]) for r in engine.rows("loads") if r["kind"] in RECORD_KINDS)
    return ",".join(map(str, ids))


def is_current(engine) -> bool:
    """The derived tables exist and were built from these loads with these definitions."""
    if not engine.has_table("derived_meta"):
        return False
    meta = engine.rows("derived_meta")
    if len(meta) != 1:
        return False
    row = meta[0]
    return row["definitions"] == definitions_hash() and row["loads"] == loads_signature(engine)


def few_valued(t: ir.Table) -> list[str]:
    """The text columns of ``t`` with few distinct values (all but identifiers),
    which an engine may store dictionary-encoded."""
    return [c for c, typ in t.schema().items() if typ.is_string() and c not in tables.IDENTIFIERS]


def build(writer) -> None:
    """(Re)write both derived tables and their stamp, inside ``writer``'s write."""
    import pandas as pd

    rec, orgs, imd = (writer.table(t) for t in ("babies", "organisations", "imd_lookup"))
    b = babies(rec, orgs, imd)
    writer.replace("babies_derived", b, few_values=few_valued(b))
    # from the table just written: the derivations are not made twice, and the
    # carried columns keep the encoding they were written with
    writer.replace("deliveries_derived", deliveries_from(writer.table("babies_derived")))
    writer.replace(
        "derived_meta",
        pd.DataFrame(
            {
                "definitions": [definitions_hash()],
                "loads": [loads_signature(writer)],
                "built_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            }
        ),
    )

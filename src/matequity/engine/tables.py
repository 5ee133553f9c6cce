"""The tables of a store, by name, with their portable (Ibis) schemas.

Every engine holds the same tables:

* records: ``babies`` (accepted rows, typed, with ``load_id`` and ``source_row``);
* reference: ``organisations`` and ``imd_lookup`` (replaced by key on load);
* audit: ``quarantine`` (rejected rows with every reason and their raw text),
  ``loads`` (one row per file: SHA-256, rows read, accepted, quarantined) and
  ``reconciliation`` (rows per load, outcome and reason);
* derived: ``babies_derived`` and ``deliveries_derived`` (one row per baby and
  per delivery with every derived column and the organisation hierarchy,
  materialised once; see :mod:`matequity.engine.derived`) and ``derived_meta``
  (the definitions' hash and the loads they were built from).

The store holds record-level data and stays where the analyst keeps it; nothing
here writes records to logs.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from matequity.model import schema

if TYPE_CHECKING:
    import ibis.expr.schema as sch

#: typed columns of an accepted row, in store order
TYPED_COLUMNS: dict[str, str] = {
    "baby_id": "string",
    "delivery_id": "string",
    "mother_id": "string",
    "site_code": "string",
    "birth_date": "date",
    "gestation_days": "int32",
    "outcome": "string",
    "termination": "boolean",
    "death_date": "date",
    "birthweight_g": "int32",
    "sex": "string",
    "babies_in_delivery": "int32",
    "ethnic_category": "string",
    "imd_decile": "int32",
    "lsoa_code": "string",
    "mother_age": "int32",
    "previous_births": "int32",
    "booking_gestation_days": "int32",
    "maternal_death": "boolean",
    "severe_maternal_morbidity": "boolean",
}

#: text columns with one value per person or delivery (identifiers of people,
#: deliveries and areas); every other text column has few values
IDENTIFIERS = frozenset({"baby_id", "delivery_id", "mother_id", "lsoa_code"})

RECORDS = ("babies",)
REFERENCE = ("organisations", "imd_lookup")
AUDIT = ("quarantine", "loads", "reconciliation")
DERIVED = ("babies_derived", "deliveries_derived", "derived_meta")
#: every table a store holds (derived tables once anything has been loaded)
ALL_TABLES = (*RECORDS, *REFERENCE, *AUDIT, *DERIVED)

#: each table's columns and their (Ibis) type names; :data:`SCHEMAS` as Ibis schemas
COLUMNS: dict[str, dict[str, str]] = {
    "babies": {**TYPED_COLUMNS, "load_id": "int32", "source_row": "int64"},
    "quarantine": {
        "load_id": "int32",
        "source_file": "string",
        "source_row": "int64",
        "source_line": "int64",
        "reason": "string",
        "reasons": "string",
        **{f"raw_{c}": "string" for c in schema.BIRTH_FIELD_NAMES},
        "raw_line": "string",
    },
    "organisations": {
        **{c: "string" for c in schema.ORGANISATION_COLUMNS},
        **{c: "string" for c in schema.OPTIONAL_ORGANISATION_COLUMNS},
    },
    "imd_lookup": {"lsoa_code": "string", "imd_decile": "int32"},
    "loads": {
        "load_id": "int32",
        "file_name": "string",
        "file_path": "string",
        "sha256": "string",
        "kind": "string",
        "format": "string",
        "loaded_at": "timestamp",
        "rows_read": "int64",
        "rows_accepted": "int64",
        "rows_quarantined": "int64",
        "matequity_version": "string",
    },
    "reconciliation": {
        "load_id": "int32",
        "file_name": "string",
        "outcome": "string",
        "reason": "string",
        "rows": "int64",
    },
    "derived_meta": {"definitions": "string", "loads": "string", "built_at": "timestamp"},
}


@functools.cache
def _schemas() -> dict[str, sch.Schema]:
    import ibis

    return {name: ibis.schema(cols) for name, cols in COLUMNS.items()}


def __getattr__(name: str):
    """``SCHEMAS``: the tables' Ibis schemas, made when first asked for (a command
    that only reads a store need not import Ibis)."""
    if name == "SCHEMAS":
        return _schemas()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: the key by which a reference table's rows are replaced on load
KEYS: dict[str, str] = {"organisations": "site_code", "imd_lookup": "lsoa_code"}

"""Quarantine reason codes, in the order they are checked.

A row can fail several checks; all are recorded in ``reasons`` and the first (in
this order) is its ``reason``, so that a reconciliation by reason adds up to the
rows quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    description: str


_INT_FIELDS = (
    ("gestation", "gestation_days", "141-315 days"),
    ("birthweight", "birthweight_g", "1-9998 g (9999 = not known)"),
    ("babies_in_delivery", "babies_in_delivery", "1-8"),
    ("imd_decile", "imd_decile", "1-10"),
    ("mother_age", "mother_age", "10-65 years"),
    ("previous_births", "previous_births", "0-30"),
    ("booking_gestation", "booking_gestation_days", "0-315 days"),
)

REASONS: tuple[Reason, ...] = (
    Reason("malformed_row", "the line could not be split into the header's columns"),
    Reason("missing_baby_id", "baby_id is blank"),
    Reason("duplicate_baby_id", "the same baby_id appears on rows that differ"),
    Reason("duplicate_row", "an exact repeat of an earlier row (the first is kept)"),
    Reason("baby_id_already_loaded", "baby_id is already in the store from an earlier load"),
    Reason("missing_delivery_id", "delivery_id is blank"),
    Reason("missing_mother_id", "mother_id is blank"),
    Reason("missing_site_code", "site_code is blank"),
    Reason("unknown_site", "site_code is not in the organisations table"),
    Reason("missing_birth_date", "birth_date is blank"),
    Reason("unparseable_birth_date", "birth_date is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    Reason("birth_date_in_future", "birth_date is after the day of loading"),
    Reason("birth_date_implausible", "birth_date is before 1950 (a mistyped year)"),
    Reason("invalid_outcome", "outcome is not live or still"),
    Reason("unparseable_death_date", "death_date is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    Reason("death_before_birth", "death_date is before birth_date"),
    Reason("death_date_in_future", "death_date is after the day of loading"),
    Reason("unknown_ethnic_code", "ethnic_category is not an NHS code A-S, Z or 99"),
    *(
        r
        for short, col, rng in _INT_FIELDS
        for r in (
            Reason(f"invalid_{short}", f"{col} is not a whole number"),
            Reason(f"{short}_out_of_range", f"{col} is outside {rng}"),
        )
    ),
    Reason("invalid_termination", "termination is not true/false"),
    Reason("invalid_maternal_death", "maternal_death is not true/false"),
    Reason("invalid_severe_maternal_morbidity", "severe_maternal_morbidity is not true/false"),
    Reason("invalid_sex", "sex is not 1/M, 2/F, 9, X or blank"),
)

REASON_CODES: tuple[str, ...] = tuple(r.code for r in REASONS)
DESCRIPTIONS: dict[str, str] = {r.code: r.description for r in REASONS}
#: (reason short name, column, valid range text) for each integer field
INTEGER_FIELD_REASONS = _INT_FIELDS

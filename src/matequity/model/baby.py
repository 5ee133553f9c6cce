"""Labelled characteristics of the baby used as case mix: sex, multiple birth and
gestation at birth.

MBRRACE-UK adjusts trust-level stabilised & adjusted rates for the mother's age,
deprivation and ethnicity, the baby's sex and multiple birth, and neonatal deaths
also for gestation at birth (shared/reference/moss_mbrrace.md §2.3; the sex and
gestation items there are UNVERIFIED). Gestation bands are those of MBRRACE-UK's
tables by gestational age at birth (22+0 to 23+6, 24+0 to 27+6, 28+0 to 31+6, 32+0 to
36+6, 37+0 to 41+6 weeks, 42+0 and over), with the births before 22+0 weeks that the
contract accepts (141-153 days) in their own band.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_KNOWN = "Not known"

#: store value of ``sex`` -> label (the MSDS "not known" code and blanks -> Not known)
SEX_LABELS: dict[str, str] = {"male": "Male", "female": "Female", "indeterminate": "Indeterminate"}
SEX_ORDER: tuple[str, ...] = (*SEX_LABELS.values(), NOT_KNOWN)

SINGLETON = "Singleton"
MULTIPLE = "Multiple"
MULTIPLICITY_ORDER: tuple[str, ...] = (SINGLETON, MULTIPLE, NOT_KNOWN)


@dataclass(frozen=True)
class GestationBand:
    label: str
    lower: int  # completed days, inclusive
    upper: int


GESTATION_BANDS: tuple[GestationBand, ...] = (
    GestationBand("Under 22+0 weeks", 141, 153),
    GestationBand("22+0 to 23+6 weeks", 154, 167),
    GestationBand("24+0 to 27+6 weeks", 168, 195),
    GestationBand("28+0 to 31+6 weeks", 196, 223),
    GestationBand("32+0 to 36+6 weeks", 224, 258),
    GestationBand("37+0 to 41+6 weeks", 259, 293),
    GestationBand("42+0 weeks and over", 294, 315),
)
GESTATION_ORDER: tuple[str, ...] = (*(b.label for b in GESTATION_BANDS), NOT_KNOWN)


def sex_label(sex: str | None) -> str:
    """Pure-Python reference (tests and docs): label of a stored sex value."""
    return SEX_LABELS.get(sex, NOT_KNOWN) if sex is not None else NOT_KNOWN


def multiplicity(babies_in_delivery: int | None) -> str:
    """Pure-Python reference: Singleton (1 baby), Multiple (2 or more), Not known."""
    if babies_in_delivery is None:
        return NOT_KNOWN
    return SINGLETON if babies_in_delivery == 1 else MULTIPLE


def gestation_band(days: int | None) -> str:
    """Pure-Python reference: the band of a gestation in completed days."""
    if days is None:
        return NOT_KNOWN
    for b in GESTATION_BANDS:
        if b.lower <= days <= b.upper:
            return b.label
    return NOT_KNOWN

"""Maternal age bands as published in NHS England's Maternity Services Monthly
Statistics (``AgeAtBookingMotherGroup``): Under 20 (11-19), 20-24, 25-29, 30-34,
35-39, 40-44, 45 or Over (45-60); ages outside 11-60 are "Value outside reporting
parameters"; a missing age is "Not known".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgeBand:
    label: str
    lower: int
    upper: int


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("Under 20", 11, 19),
    AgeBand("20 to 24", 20, 24),
    AgeBand("25 to 29", 25, 29),
    AgeBand("30 to 34", 30, 34),
    AgeBand("35 to 39", 35, 39),
    AgeBand("40 to 44", 40, 44),
    AgeBand("45 or Over", 45, 60),
)
OUTSIDE = "Value outside reporting parameters"
NOT_KNOWN = "Not known"
AGE_BAND_ORDER: tuple[str, ...] = (*(b.label for b in AGE_BANDS), OUTSIDE, NOT_KNOWN)


def age_band(age: int | None) -> str:
    """Pure-Python reference for the band of one age (tests and docs only)."""
    if age is None:
        return NOT_KNOWN
    for band in AGE_BANDS:
        if band.lower <= age <= band.upper:
            return band.label
    return OUTSIDE

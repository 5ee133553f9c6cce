"""The National Maternity Safety Ambition: halve the 2010 rates by 2025.

Targets (written answer to PQ 84835, 3 November 2025; Safer Maternity Care, next
steps, 28 November 2017): stillbirth 2.5 per 1,000 births, neonatal death 1.0
per 1,000 live births, maternal death 5.3 per 100,000 maternities. These are
national-statistics (ONS-based) definitions; MBRRACE-based rates, as matequity
computes, differ slightly (MBRRACE excludes terminations and counts by year of
birth from 24 weeks).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ambition:
    measure: str
    target: float
    per: str
    year: int
    source: str


_SOURCE = "National Maternity Safety Ambition (halve 2010 rates by 2025); PQ 84835, 2025"
AMBITIONS: dict[str, Ambition] = {
    a.measure: a
    for a in (
        Ambition("stillbirth", 2.5, "per 1,000 births", 2025, _SOURCE),
        Ambition("neonatal_mortality", 1.0, "per 1,000 live births", 2025, _SOURCE),
        Ambition("maternal_mortality", 5.3, "per 100,000 maternities", 2025, _SOURCE),
    )
}

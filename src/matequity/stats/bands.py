"""Bands of a stabilised & adjusted rate relative to its comparator group's average.

MBRRACE-UK colour-coded the stabilised & adjusted rates of trusts for births in
2013-2015 in four bands relative to the average for the comparator group: more than
10% lower (green), up to 10% lower (yellow), up to 10% higher (amber), more than 10%
higher (red) (Nursing Times and iNews reports of the MBRRACE-UK 2015-births report;
shared/reference/moss_mbrrace.md §2.5). That scheme is the default and the one
whose thresholds are verified. Later reports appear to use ±5% bands (UNVERIFIED):
any symmetric scheme can be made with :func:`symmetric_bands`, or any edges with
:class:`BandScheme`.

Boundaries (a choice the sources do not state): with d = rate / average − 1, a
negative edge e puts d = e in the band above it ("up to 10% lower" holds d = −10%)
and a non-negative edge puts d = e in the band below it ("up to 10% higher" holds
d = +10%, and the average itself, d = 0, is "up to 10% lower": not higher).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BandScheme:
    """Bands of d = rate / comparator average − 1 between increasing ``edges``."""

    name: str
    edges: tuple[float, ...]
    labels: tuple[str, ...]
    colours: tuple[str, ...] = ()
    source: str = ""
    verified: bool = False

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.edges) + 1:
            raise ValueError("a band scheme needs one more label than edges")
        if list(self.edges) != sorted(self.edges):
            raise ValueError("band edges must increase")

    def band(self, ratio: np.ndarray | float) -> np.ndarray:
        """Band label of each rate-to-average ratio ('' where it is missing)."""
        # rounded so that a ratio of exactly 1.1 is 10% higher, not 10.000000000000009%
        d = np.round(np.atleast_1d(np.asarray(ratio, dtype=float)) - 1.0, 12)
        idx = np.zeros(d.shape, dtype=int)
        for e in self.edges:
            idx += (d >= e) if e < 0 else (d > e)
        out = np.array(self.labels, dtype=object)[idx]
        out[np.isnan(d)] = ""
        return out


def symmetric_bands(percent: float, name: str | None = None) -> BandScheme:
    """Four bands: more than / up to ``percent``% lower and higher than the average."""
    if not 0 < percent < 100:
        raise ValueError("the band threshold must be between 0 and 100 percent")
    p = f"{percent:g}%"
    return BandScheme(
        name=name or f"symmetric {p}",
        edges=(-percent / 100, 0.0, percent / 100),
        labels=(
            f"more than {p} lower",
            f"up to {p} lower",
            f"up to {p} higher",
            f"more than {p} higher",
        ),
        colours=("green", "yellow", "amber", "red"),
    )


#: MBRRACE-UK, births 2013-2015 (verified thresholds and colours)
MBRRACE_2013_15 = BandScheme(
    name="MBRRACE-UK 2013-15",
    edges=(-0.10, 0.0, 0.10),
    labels=("more than 10% lower", "up to 10% lower", "up to 10% higher", "more than 10% higher"),
    colours=("green", "yellow", "amber", "red"),
    source="MBRRACE-UK perinatal mortality surveillance, births 2013-2015 "
    "(as reported by Nursing Times and iNews)",
    verified=True,
)

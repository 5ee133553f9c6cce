"""One summary measure's result."""

from __future__ import annotations

import math
from dataclasses import dataclass

from matequity.stats.intervals import z_value


@dataclass(frozen=True)
class Summary:
    measure: str
    estimate: float
    se: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    method: str = ""
    reference: str = ""

    @staticmethod
    def normal(
        measure: str,
        est: float,
        se: float,
        method: str,
        reference: str = "",
        confidence: float = 0.95,
    ) -> Summary:
        z = z_value(confidence)
        return Summary(measure, est, se, est - z * se, est + z * se, method, reference)

"""A measure as a declarative definition: what is counted over what.

Numerator and denominator name 0/1 flags made once in
:mod:`matequity.engine.derive`; the engine sums them by any breakdown. A measure
says nothing about how it is computed, so the same definition runs on every
engine and documents itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["babies", "deliveries"]
Statistic = Literal["rate", "proportion"]


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    numerator: str
    denominator: str
    unit: Unit
    statistic: Statistic
    multiplier: float
    per: str
    source: str
    numerator_text: str
    denominator_text: str
    #: True where a higher value is better (e.g. early booking); mortality is False
    higher_is_better: bool = False

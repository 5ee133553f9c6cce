"""A measure as one declaration: what is counted over what, and how it reads.

Numerator and denominator name flags of the registry
(:mod:`matequity.measures.flags`), or are :class:`~matequity.measures.flags.Flag`
objects with their own expression; both count the same unit (babies or
deliveries). The statistic (rate: exact Poisson / Byar's interval; proportion:
Wilson), multiplier, unit text, source and polarity say how it is computed and
read; ``shown_in`` names the analyses that include it. A measure says nothing
about how it is computed, so the same declaration runs on every engine, fills
every report and documents itself (``matequity measures --markdown``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from matequity.measures.flags import Flag, Unit
from matequity.measures.flags import flag as _flag

Statistic = Literal["rate", "proportion"]


@dataclass(frozen=True, kw_only=True)
class Measure:
    name: str
    title: str
    numerator: str | Flag
    denominator: str | Flag
    statistic: Statistic
    multiplier: float
    #: the unit text of the value, e.g. "per 1,000 total births"
    per: str
    source: str
    #: True where a higher value is better (e.g. early booking); mortality is False
    higher_is_better: bool = False
    #: the analyses that show this measure (see :mod:`matequity.measures.catalogue`)
    shown_in: frozenset[str] = field(default_factory=frozenset)
    #: the numerator's and denominator's text (default: the flags' own)
    numerator_text: str = ""
    denominator_text: str = ""

    def __post_init__(self) -> None:
        num, den = _flag(self.numerator), _flag(self.denominator)
        if num.unit != den.unit:
            raise ValueError(
                f"measure {self.name}: numerator counts {num.unit}, denominator {den.unit}"
            )
        if not self.numerator_text:
            object.__setattr__(self, "numerator_text", num.text)
        if not self.denominator_text:
            object.__setattr__(self, "denominator_text", den.text)
        object.__setattr__(self, "shown_in", frozenset(self.shown_in))

    @property
    def numerator_flag(self) -> Flag:
        return _flag(self.numerator)

    @property
    def denominator_flag(self) -> Flag:
        return _flag(self.denominator)

    @property
    def unit(self) -> Unit:
        return self.numerator_flag.unit

    @property
    def interval(self) -> str:
        """The confidence interval method (PHEindicatormethods)."""
        return "Wilson" if self.statistic == "proportion" else "exact Poisson (<10) / Byar's"

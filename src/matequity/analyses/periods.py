"""Periods an analysis covers: a span of calendar years, or of months, of birth.

Parsed once from what a user types (``YYYY:YYYY``, ``YYYY-MM:YYYY-MM``), checked
against the years the data hold, with the defaults every analysis shares (the
last three years; the last 24 months). MBRRACE-UK counts births by date of
birth, so periods are of birth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from matequity.errors import UserError


@dataclass(frozen=True)
class Years:
    """Calendar years of birth, first to last inclusive."""

    first: int
    last: int

    @property
    def label(self) -> str:
        return f"{self.first}-{self.last}" if self.first != self.last else str(self.first)

    def holds(self, periods: pd.Series) -> pd.Series:
        """Which yearly period labels ('2024') fall in the span."""
        return periods.astype(int).between(self.first, self.last)


def years(text: str | None, available: Sequence[str], default_span: int = 3) -> Years:
    """``YYYY:YYYY`` (or ``YYYY``); default: the last ``default_span`` years held."""
    held = sorted(int(y) for y in available)
    if not held:
        raise UserError("the store holds no births")
    if not text:
        return Years(held[-default_span] if len(held) >= default_span else held[0], held[-1])
    try:
        parts = [int(x) for x in text.split(":")]
        a, b = (parts[0], parts[0]) if len(parts) == 1 else parts
    except ValueError:
        raise UserError(f"--period {text!r}: expected YYYY:YYYY") from None
    if a > b or b < held[0] or a > held[-1]:
        raise UserError(f"--period {text}: the data hold births {held[0]} to {held[-1]}")
    return Years(a, b)


@dataclass(frozen=True)
class Months:
    """Months of birth, first to last inclusive ('YYYY-MM')."""

    first: str
    last: str

    @property
    def label(self) -> str:
        return f"{self.first} to {self.last}"

    def holds(self, months: pd.Series) -> pd.Series:
        return (months >= self.first) & (months <= self.last)


def months(text: str | None, available: pd.Series, default_span: int = 24) -> Months:
    """``YYYY-MM:YYYY-MM`` (inclusive); default: the last ``default_span`` months held."""
    if text:
        try:
            a, b = text.split(":")
            pa, pb = pd.Period(a, "M"), pd.Period(b, "M")
        except ValueError:
            raise UserError(f"--period {text!r}: expected YYYY-MM:YYYY-MM") from None
        if pa > pb:
            raise UserError(f"--period {text}: the first month is after the last")
        return Months(str(pa), str(pb))
    if available.empty:
        raise UserError("the store holds no births")
    last = pd.Period(available.max(), "M")
    return Months(str(last - (default_span - 1)), str(last))

"""How the dashboard writes a table cell: counts with thousands separators, rates
to the released precision (one decimal under a publication policy, two for exact
figures), ratios to two decimals, and "withheld" where disclosure control held a
figure back (a word, so that the meaning never rests on colour or a symbol)."""

from __future__ import annotations

import math
from typing import Any

from matequity.analyses.exact import EXACT

WITHHELD = "withheld"
NUMERIC = ("count", "rate", "ratio", "percent", "excess")


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(math.isnan(v))
    except TypeError:
        return str(v) in ("<NA>", "nan", "NaT")


def cell(v: Any, kind: str = "text", policy: str | None = None) -> str:
    if kind == "policy":
        return "exact" if v == EXACT.name else ("" if _missing(v) else str(v))
    if kind not in NUMERIC:
        return "" if _missing(v) else str(v)
    if _missing(v):
        return WITHHELD
    x = float(v)
    if kind == "count":
        return f"{x:,.0f}"
    if kind == "rate":
        return f"{x:,.2f}" if policy in (None, EXACT.name) else f"{x:,.1f}"
    if kind == "percent":
        return f"{x:.1f}%"
    if kind == "excess":
        return f"{x:,.1f}"
    return f"{x:.2f}"


def raw(v: Any) -> str:
    """The value as a data attribute (full precision; empty when missing)."""
    if _missing(v):
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def is_exact(policy: str | None) -> bool:
    return policy == EXACT.name

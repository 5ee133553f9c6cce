"""Disclosure control policies, as named, frozen definitions.

* ``nhs`` (default; NHS England MSDS publications and the Maternity and Neonatal
  Equalities dashboard): counts 0 stay 0, 1-7 are shown as 5, others rounded to
  the nearest 5; totals rounded the same way, independently; rates, intervals and
  every other statistic computed from the *released* (rounded) counts (as NHS
  England's CQIM pipeline does) and withheld when the released numerator is
  below 8; released rates to 1 decimal place.
* ``opensafely`` (OpenSAFELY output checking, docs/outputs/sdc.md): counts of 1
  to 7 redacted, then every count rounded to the nearest 5; totals recomputed
  from the released cells; rates from the released counts and redacted where
  either count was; zeros kept.
* ``midpoint6`` (OpenSAFELY midpoint-6 rounding): 0 stays 0, x > 0 becomes
  ceil(x/6) x 6 - 3, so the true value lies in [x - 2, x + 3]; statistics from
  the rounded counts.
* ``ons-rates`` (ONS mortality user guide, FOI 2021/3301): a rate table, not a
  count table: counts are not released; no rate from fewer than 3 events; rates
  from fewer than 20 events flagged 'u' (unreliable) and released without
  their interval (with the interval, a rate from a few events gives its count).

Each policy says which combinations of published tables it protects
(:attr:`Policy.protects`); :mod:`matequity.disclosure.release` refuses the
others. Every output that uses a policy records its name in a
``disclosure_policy`` column. See docs/methods.md section 9.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

#: the combinations a policy can protect: 'All' margins within and across tables,
#: tables at several organisation levels, tables of overlapping periods
Combination = Literal["margins", "levels", "periods"]

#: the smallest and largest count that must never be recoverable
SMALL = (1, 7)

#: ``suppressed`` markers: the policy's own rule withheld the counts or the rate,
#: or secondary suppression withheld them to protect another cell
WITHHELD_COUNTS = "counts"
WITHHELD_RATE = "rate"
WITHHELD_SECONDARY = "secondary"


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    source: str
    #: how released totals relate to the cells: rounded independently, or recomputed
    totals: Literal["round", "recompute"]
    #: counts are released (False: a rates-only table)
    releases_counts: bool = True
    #: numerator below which a rate is withheld
    min_numerator_for_rate: int = 0
    #: numerator below which a released rate is flagged unreliable
    flag_below: int = 0
    #: numerator below which a released rate's interval is withheld
    min_numerator_for_interval: int = 0
    #: decimal places of released rates (None: as computed)
    rate_decimals: int | None = 1
    #: statistics from the released (True) or the unrounded (False) counts
    rates_from_released: bool = True
    #: combinations of published tables the policy protects
    protects: frozenset[str] = frozenset({"margins", "levels", "periods"})
    #: releases are attacked and protected (False only for analyst-only exact
    #: figures, which are never published: ``analyses.exact``)
    audited: bool = True

    def count(self, x: np.ndarray) -> np.ndarray:
        """Released counts (float, NaN = withheld)."""
        x = np.asarray(x, dtype=float)
        if self.name == "nhs":
            out = np.where(x == 0, 0.0, np.where(x <= 7, 5.0, np.round(x / 5) * 5))
        elif self.name == "opensafely":
            out = np.where(x == 0, 0.0, np.where(x <= 7, np.nan, np.round(x / 5) * 5))
        elif self.name == "midpoint6":
            out = np.where(x == 0, 0.0, np.ceil(x / 6) * 6 - 3)
        else:  # rates-only tables release no counts
            out = np.full_like(x, np.nan)
        return np.where(np.isnan(x), np.nan, out)

    def possible(self, released: float, marker: str = "") -> tuple[float, float]:
        """The range of true counts consistent with a released cell: what an
        attacker who knows the rule learns from it. ``marker``: the row's
        ``suppressed`` value (a count withheld by the policy's own rule, or by
        secondary suppression, which says nothing about it)."""
        if np.isnan(released):
            if self.name == "opensafely" and marker == WITHHELD_COUNTS:
                return 1.0, 7.0
            return 0.0, np.inf
        if released == 0:
            return 0.0, 0.0
        if self.name == "nhs":
            return (1.0, 7.0) if released == 5 else (released - 2, released + 2)
        if self.name == "opensafely":
            return max(8.0, released - 2), released + 2
        if self.name == "midpoint6":
            return released - 2, released + 3
        return 0.0, np.inf

    def numerator_from_rate(self, shown: bool, flagged: bool, marker: str) -> tuple[float, float]:
        """The range of true numerators a rate's presence tells (its value aside):
        withheld by the rule means fewer than the minimum; flagged, fewer than
        the flag threshold; shown and not flagged, at least the threshold."""
        lo, hi = 0.0, np.inf
        if not shown:
            if marker == WITHHELD_RATE and self.min_numerator_for_rate > 0:
                hi = self.min_numerator_for_rate - 1.0
            return lo, hi
        lo = float(self.min_numerator_for_rate)
        if self.flag_below:
            if flagged:
                hi = self.flag_below - 1.0
            else:
                lo = max(lo, float(self.flag_below))
        return lo, hi


POLICIES: dict[str, Policy] = {
    p.name: p
    for p in (
        Policy(
            "nhs",
            "NHS England: 0 stays 0, 1-7 shown as 5, else nearest 5; rates from the "
            "released counts, withheld below 8 events",
            "NHS England MSDS publications and CQIM; Maternity and Neonatal Equalities "
            "dashboard appendices",
            "round",
            min_numerator_for_rate=8,
        ),
        Policy(
            "opensafely",
            "OpenSAFELY: counts of 7 or fewer redacted, then nearest 5; totals recomputed",
            "OpenSAFELY documentation, docs/outputs/sdc.md",
            "recompute",
            min_numerator_for_rate=8,
        ),
        Policy(
            "midpoint6",
            "Midpoint-6 rounding: ceil(x/6) x 6 - 3; rates from the rounded counts",
            "OpenSAFELY documentation, midpoint-6 rounding",
            "round",
            rate_decimals=None,
        ),
        Policy(
            "ons-rates",
            "ONS: rates only; none from fewer than 3 events; 'u' and no interval below 20",
            "ONS mortality statistics user guide; FOI 2021/3301",
            "round",
            releases_counts=False,
            min_numerator_for_rate=3,
            flag_below=20,
            min_numerator_for_interval=20,
            rates_from_released=False,
            protects=frozenset({"margins"}),
        ),
    )
}

#: what an analyst-only output says instead of a policy name
ANALYST_ONLY = "none: analyst-only, unrounded (not for publication)"


def get(name: str) -> Policy:
    from matequity.errors import UserError

    try:
        return POLICIES[name]
    except KeyError:
        raise UserError(
            f"unknown disclosure policy '{name}': expected {', '.join(POLICIES)}"
        ) from None

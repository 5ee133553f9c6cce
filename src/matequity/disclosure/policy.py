"""Disclosure control policies, as named, frozen definitions.

* ``nhs`` (default; NHS England MSDS publications and the Maternity and Neonatal
  Equalities dashboard): counts 0 stay 0, 1-7 are shown as 5, others rounded to
  the nearest 5; totals rounded the same way, independently; rates and
  percentages computed from the unrounded counts but withheld when the numerator
  is below 8; released rates rounded to 1 decimal place.
* ``opensafely`` (OpenSAFELY output checking, docs/outputs/sdc.md): counts of 1
  to 7 redacted, then every count rounded to the nearest 5; totals recomputed
  from the released cells; rates recomputed from the released counts and
  redacted where either count was; zeros kept.
* ``midpoint6`` (OpenSAFELY midpoint-6 rounding): 0 stays 0, x > 0 becomes
  ceil(x/6) x 6 - 3, so the true value lies in [x - 2, x + 3]; rates derived
  from the rounded counts.
* ``ons-rates`` (ONS mortality user guide, FOI 2021/3301): a rate table, not a
  count table: counts are not released; no rate from fewer than 3 events; rates
  from fewer than 20 events flagged 'u' (unreliable).

Every output that uses a policy records its name in a ``disclosure_policy``
column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np


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
    #: decimal places of released rates (None: as computed)
    rate_decimals: int | None = 1
    #: rates from the released (True) or the unrounded (False) counts
    rates_from_released: bool = False

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

    def possible(self, released: float) -> tuple[float, float]:
        """The range of true counts consistent with a released cell (an
        attacker's knowledge; used by the tests)."""
        if np.isnan(released):
            return (1.0, 7.0) if self.name == "opensafely" else (0.0, np.inf)
        if released == 0:
            return 0.0, 0.0
        if self.name == "nhs":
            return (1.0, 7.0) if released == 5 else (released - 2, released + 2)
        if self.name == "opensafely":
            return max(8.0, released - 2), released + 2
        if self.name == "midpoint6":
            return released - 2, released + 3
        return 0.0, np.inf


POLICIES: dict[str, Policy] = {
    p.name: p
    for p in (
        Policy(
            "nhs",
            "NHS England: 0 stays 0, 1-7 shown as 5, else nearest 5; rates withheld below 8 events",
            "NHS England MSDS publications; Maternity and Neonatal Equalities dashboard appendices",
            "round",
            min_numerator_for_rate=8,
        ),
        Policy(
            "opensafely",
            "OpenSAFELY: counts of 7 or fewer redacted, then nearest 5; totals recomputed",
            "OpenSAFELY documentation, docs/outputs/sdc.md",
            "recompute",
            min_numerator_for_rate=8,
            rates_from_released=True,
        ),
        Policy(
            "midpoint6",
            "Midpoint-6 rounding: ceil(x/6) x 6 - 3",
            "OpenSAFELY documentation, midpoint-6 rounding",
            "round",
            rates_from_released=True,
            rate_decimals=None,
        ),
        Policy(
            "ons-rates",
            "ONS: rates only; none from fewer than 3 events; 'u' below 20",
            "ONS mortality statistics user guide; FOI 2021/3301",
            "round",
            releases_counts=False,
            min_numerator_for_rate=3,
            flag_below=20,
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

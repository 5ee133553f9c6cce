"""Small steps every analysis shares on count tables: pooling years, adding each
measure's rates, and releasing a frame under a policy.

These are functions of count tables only (never of records): the engine has
already reduced the records to counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.measures.catalogue import CATALOGUE, Catalogue
from matequity.stats.rates import add_rates

ORG_KEYS = ["org_level", "org_code", "org_name"]


def pool(counts: pd.DataFrame, keys: Sequence[str], label: str) -> pd.DataFrame:
    """Counts summed over periods, the period relabelled ``label``."""
    out = counts.groupby(list(keys), as_index=False, sort=False)[["numerator", "denominator"]]
    out = out.sum()
    out.insert(0, "period", label)
    return out


def rates(
    counts: pd.DataFrame, catalogue: Catalogue = CATALOGUE, levels: tuple[str, ...] = ("95",)
) -> pd.DataFrame:
    """Each row's rate and interval, with the statistic and multiplier of its
    measure in ``catalogue``."""
    ms = {name: catalogue.get(name) for name in counts["measure"].unique()}
    stat = counts["measure"].map(lambda m: ms[m].statistic)
    mult = counts["measure"].map(lambda m: float(ms[m].multiplier))
    return add_rates(counts, stat, mult, levels=levels)


def released_rates(
    counts: pd.DataFrame,
    policy: Policy,
    by: Sequence[str] = (),
    catalogue: Catalogue = CATALOGUE,
) -> pd.DataFrame:
    """Rates with their intervals, released under ``policy``."""
    return apply_policy(rates(counts, catalogue), policy, list(by))

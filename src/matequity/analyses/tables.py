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
from matequity.stats.frames import measure_settings
from matequity.stats.rates import add_rates

ORG_KEYS = ["org_level", "org_code", "org_name"]


def pool(counts: pd.DataFrame, keys: Sequence[str], label: str) -> pd.DataFrame:
    """Counts summed over periods, the period relabelled ``label``."""
    out = counts.groupby(list(keys), as_index=False, sort=False)[["numerator", "denominator"]]
    out = out.sum()
    out.insert(0, "period", label)
    return out


def rates(counts: pd.DataFrame, levels: tuple[str, ...] = ("95",)) -> pd.DataFrame:
    """Each row's rate and interval, with the statistic and multiplier of its measure."""
    stat, mult, _ = measure_settings(counts, None, None)
    return add_rates(counts, stat, mult, levels=levels)


def released_rates(counts: pd.DataFrame, policy: Policy, by: Sequence[str] = ()) -> pd.DataFrame:
    """Rates with their intervals, released under ``policy``."""
    return apply_policy(rates(counts), policy, list(by))

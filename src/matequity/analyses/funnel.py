"""An organisation among its peers: every organisation of a level in a funnel
plot of a measure (PHE exact limits, or overdispersed by phi / tau^2 as
FunnelPlotR), positions computed on the true counts and released under the
policy (rounded sizes; rates and positions withheld where the rate is), and the
limits to draw.

Statistics: :func:`matequity.stats.funnel.funnel` and :func:`~matequity.stats.funnel.curve`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.measures.definition import Measure
from matequity.stats.funnel import curve, funnel

KEYS = ["period", "org_level", "org_code", "org_name", "measure"]
POSITION_COLS = ["position_95", "position_99_8"]


@dataclass(frozen=True, kw_only=True)
class Funnel:
    measure: str
    #: one row per organisation: released counts, rate, positions
    points: pd.DataFrame
    #: the limits to draw (denominator, target and the 95%/99.8% lines)
    limits: pd.DataFrame
    #: how the limits were made (exact, phi, tau2 and its value)
    method: str
    highlight: str | None
    policy: str


def peer_funnel(
    counts: pd.DataFrame,
    measure: Measure,
    policy: Policy,
    overdispersion: str = "none",
    highlight: str | None = None,
) -> Funnel:
    """``counts``: one row per organisation for ``measure`` (count-table columns)."""
    part = counts[(counts["measure"] == measure.name) & (counts["denominator"] > 0)]
    units, disp = funnel(part, measure.statistic, measure.multiplier, overdispersion)
    # released rows come back numbered from 0: the positions join on that
    units = units.reset_index(drop=True)
    lim = curve(
        measure.statistic,
        float(part["denominator"].max()),
        float(units["target"].iloc[0]) / measure.multiplier,
        measure.multiplier,
        overdispersion,
        disp,
    )
    rel = apply_policy(units[[*KEYS, "numerator", "denominator", "value"]], policy, [])
    rel = rel.join(units[[*POSITION_COLS, "limits"]])
    rel.loc[rel["value"].isna(), POSITION_COLS] = np.nan
    return Funnel(
        measure=measure.name,
        points=rel,
        limits=lim,
        method=str(units["limits"].iloc[0]),
        highlight=highlight,
        policy=policy.name,
    )

"""A funnel plot for a report: organisations' positions from the API's funnel on
their true counts, released under the disclosure policy (rounded sizes; rates
and positions withheld where the policy withholds the rate), and its chart."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.measures.catalogue import BY_NAME
from matequity.outputs.charts.funnel import funnel_chart
from matequity.outputs.charts.spec import ChartSpec
from matequity.stats.funnel import curve, funnel

KEYS = ["period", "org_level", "org_code", "org_name", "measure"]
POSITION_COLS = ["position_95", "position_99_8"]


def population_label(per: str) -> str:
    """'per 1,000 total births' -> 'Total births'; '% of term live births' -> 'Term live births'."""
    text = per.split(" of ", 1)[1] if per.startswith("%") else per.split(" ", 2)[2]
    return text[:1].upper() + text[1:]


def released_funnel(
    counts: pd.DataFrame,
    measure: str,
    policy: Policy,
    overdispersion: Literal["none", "phi", "tau2"] = "none",
    highlight: str | None = None,
    unit_label: str = "organisations",
) -> tuple[pd.DataFrame, ChartSpec]:
    """``counts``: one row per organisation for ``measure`` (count-table columns)."""
    meas = BY_NAME[measure]
    part = counts[(counts["measure"] == measure) & (counts["denominator"] > 0)]
    units, disp = funnel(part, meas.statistic, meas.multiplier, overdispersion)
    lim = curve(
        meas.statistic,
        float(part["denominator"].max()),
        float(units["target"].iloc[0]) / meas.multiplier,
        meas.multiplier,
        overdispersion,
        disp,
    )
    rel = apply_policy(units[[*KEYS, "numerator", "denominator", "value"]], policy, [])
    rel = rel.join(units[[*POSITION_COLS, "limits"]])
    rel.loc[rel["value"].isna(), POSITION_COLS] = np.nan
    chart = funnel_chart(
        rel,
        lim,
        f"{meas.title}: {unit_label} compared",
        f"{meas.title} ({meas.per})",
        population_label(meas.per),
        str(units["limits"].iloc[0]),
        highlight,
        unit_label,
    )
    return rel, chart

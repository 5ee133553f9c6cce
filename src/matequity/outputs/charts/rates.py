"""Rates by group with 95% intervals against a comparison (England) rate."""

from __future__ import annotations

import altair as alt
import pandas as pd

from matequity.outputs.charts import layers as data_layers
from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec


def rates_by_group(
    rates: pd.DataFrame,
    by: str,
    title: str,
    unit: str,
    reference_value: float | None,
    reference_label: str,
    order: list[str],
) -> ChartSpec:
    """``rates``: one row per group with value, lower_95, upper_95 (NaN = withheld)."""
    d = rates[[by, "value", "lower_95", "upper_95"]].copy()
    d = d[d["value"].notna()]
    label = {"imd_quintile": "IMD quintile", "imd_decile": "IMD decile"}.get(
        by, by.replace("_", " ").capitalize()
    )
    y = alt.Y(f"{by}:N", sort=order, title=label)
    base = data_layers.marks(y=y)
    layers = [
        base.mark_rule(color=palette.CATEGORICAL[0]).encode(
            x=alt.X("lower_95:Q", title=unit), x2="upper_95:Q"
        ),
        base.mark_point(filled=True, size=70, color=palette.CATEGORICAL[0]).encode(
            x="value:Q",
            tooltip=[
                f"{by}:N",
                alt.Tooltip("value:Q", format=".2f"),
                alt.Tooltip("lower_95:Q", format=".2f"),
                alt.Tooltip("upper_95:Q", format=".2f"),
            ],
        ),
    ]
    if reference_value is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"v": [reference_value]}))
            .mark_rule(color=palette.REFERENCE, strokeDash=[4, 3])
            .encode(x="v:Q")
        )
    shown = ", ".join(f"{r[by]} {r['value']:.1f}" for _, r in d.iterrows())
    text = (
        f"{title}: rate ({unit}) with 95% confidence intervals for each group ({shown})"
        + (
            f"; the dashed line is {reference_label} ({reference_value:.1f})."
            if reference_value is not None
            else "."
        )
        + (" Groups with fewer than 8 events are withheld." if len(d) < len(rates) else "")
    )
    chart = data_layers.shared(d, *layers).properties(
        width=560, height=28 * max(len(d), 2), title=title
    )
    return ChartSpec(f"rates_{title}", title, text, chart)

"""Experience charts: the WRES indicators (each group's value with its 95%
interval, or a relative likelihood against the line of equal likelihood) and
survey results by group. Every chart carries alt text; withheld values (NaN)
are left out and the text says so."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from matequity.outputs.charts import layers as data_layers
from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec


def wres_likelihoods(indicators: pd.DataFrame, org: str) -> ChartSpec:
    """WRES indicators 2-4 for one organisation's latest period: the relative
    likelihood with its log-scale interval on a log axis, 1 = equal."""
    d = indicators[(indicators["org_code"] == org) & indicators["indicator"].isin([2, 3, 4])]
    d = d[d["estimate"].notna()].copy()
    d["label"] = "Indicator " + d["indicator"].astype(str)
    base = data_layers.marks(y=alt.Y("label:N", title=None))
    x = alt.X(
        "estimate_lower_95:Q", title="Relative likelihood (log scale)", scale=alt.Scale(type="log")
    )
    layers = [
        base.mark_rule(color=palette.CATEGORICAL[0]).encode(x=x, x2="estimate_upper_95:Q"),
        base.mark_point(filled=True, size=70, color=palette.CATEGORICAL[0]).encode(
            x="estimate:Q",
            tooltip=["label:N", "reading:N", alt.Tooltip("estimate:Q", format=".2f")],
        ),
        alt.Chart(pd.DataFrame({"v": [1.0]}))
        .mark_rule(color=palette.REFERENCE, strokeDash=[4, 3])
        .encode(x="v:Q"),
    ]
    shown = "; ".join(str(r) for r in d["reading"])
    n_all = int(indicators[(indicators["org_code"] == org)]["indicator"].isin([2, 3, 4]).sum())
    text = (
        f"WRES relative likelihoods for {org} with 95% intervals on a log scale; the dashed "
        f"line is equal likelihood (1). {shown or 'None can be shown'}."
        + (" Some indicators are withheld (small numbers)." if len(d) < n_all else "")
    )
    chart = data_layers.shared(d, *layers).properties(
        width=520, height=40 * max(len(d), 2), title="Relative likelihoods"
    )
    return ChartSpec(f"wres_rl_{org}", "WRES relative likelihoods", text, chart)


def wres_percentages(indicators: pd.DataFrame, org: str) -> ChartSpec:
    """WRES indicators 5-8 (NHS Staff Survey): White and BME percentages with
    their Wilson intervals, side by side per indicator."""
    d = indicators[(indicators["org_code"] == org) & indicators["indicator"].between(5, 8)]
    long = []
    for _, r in d.iterrows():
        for pre, g in (("white", "White"), ("bme", "BME")):
            if np.isfinite(r[f"{pre}_value"]):
                long.append(
                    {
                        "indicator": f"Indicator {r['indicator']}",
                        "group": g,
                        "value": r[f"{pre}_value"],
                        "lower": r[f"{pre}_lower_95"],
                        "upper": r[f"{pre}_upper_95"],
                    }
                )
    ld = pd.DataFrame(long, columns=["indicator", "group", "value", "lower", "upper"])
    colour = alt.Color(
        "group:N", scale=alt.Scale(domain=["White", "BME"], range=list(palette.CATEGORICAL[:2]))
    )
    base = data_layers.marks(y=alt.Y("indicator:N", title=None), yOffset="group:N")
    chart = data_layers.shared(
        ld,
        base.mark_rule().encode(
            x=alt.X("lower:Q", title="% of respondents"), x2="upper:Q", color=colour
        ),
        base.mark_point(filled=True, size=60).encode(
            x="value:Q",
            color=colour,
            tooltip=["indicator:N", "group:N", alt.Tooltip("value:Q", format=".1f")],
        ),
    ).properties(
        width=520,
        height=50 * max(ld["indicator"].nunique(), 2),
        title="NHS Staff Survey indicators",
    )
    shown = "; ".join(
        f"{i}: " + ", ".join(f"{g} {v:.1f}%" for g, v in zip(p["group"], p["value"], strict=True))
        for i, p in ld.groupby("indicator", sort=True)
    )
    text = (
        f"WRES indicators 5 to 8 for {org}: percentages of White and BME respondents with 95% "
        f"intervals ({shown or 'none can be shown'}). Indicators 5, 6 and 8 are bad "
        "experiences (lower is better); 7 is belief in equal opportunities (higher is better)."
    )
    return ChartSpec(f"wres_pct_{org}", "WRES staff survey indicators", text, chart)


def survey_by_group(results: pd.DataFrame, title: str, order: list[str]) -> ChartSpec:
    """A survey measure's percentage by ethnic group with Wilson intervals and
    the best group's value as a dashed line (``results``: one period and
    measure from :func:`matequity.experience.analysis.family_experience`)."""
    d = results[results["value"].notna()].copy()
    best = d.loc[d["ethnic_group"] == d["best_group"], "value"]
    base = data_layers.marks(y=alt.Y("ethnic_group:N", sort=order, title="Ethnic group"))
    layers = [
        base.mark_rule(color=palette.CATEGORICAL[0]).encode(
            x=alt.X("lower_95:Q", title="% of respondents"), x2="upper_95:Q"
        ),
        base.mark_point(filled=True, size=70, color=palette.CATEGORICAL[0]).encode(
            x="value:Q", tooltip=["ethnic_group:N", alt.Tooltip("value:Q", format=".1f")]
        ),
    ]
    if len(best):
        layers.append(
            alt.Chart(pd.DataFrame({"v": [float(best.iloc[0])]}))
            .mark_rule(color=palette.REFERENCE, strokeDash=[4, 3])
            .encode(x="v:Q")
        )
    shown = ", ".join(f"{r.ethnic_group} {r.value:.1f}%" for r in d.itertuples())
    text = (
        f"{title}: percentage by ethnic group with 95% intervals ({shown or 'none shown'})"
        + (
            f"; the dashed line is the best group ({d['best_group'].iloc[0]})."
            if len(best)
            else "."
        )
        + (" Groups with too few responses are withheld." if len(d) < len(results) else "")
    )
    chart = data_layers.shared(d, *layers).properties(
        width=520, height=28 * max(len(d), 2), title=title
    )
    return ChartSpec(f"survey_{title}", title, text, chart)

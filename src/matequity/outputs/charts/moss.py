"""MOSS charts: the CUSUM with amber and red thresholds per year, level dots and
reset markers (NHS England MOSS SOP annex 3), and the excess-events chart; both
take dated annotations (:mod:`matequity.outputs.charts.annotations`)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from matequity.outputs.charts import annotations as notes
from matequity.outputs.charts import layers as data_layers
from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec


def _marks(annotations: Sequence[notes.Annotation], dates: pd.Series, monthly: bool):
    if not len(dates):
        return ()
    end = dates.max() + (pd.offsets.MonthEnd(1) if monthly else pd.Timedelta(0))
    return notes.within(annotations, dates.min().date(), end.date())


def cusum_chart(
    chart: pd.DataFrame, site: str, annotations: Sequence[notes.Annotation] = ()
) -> ChartSpec:
    d = chart[(chart["site_code"] == site) & chart["level"].notna()].copy()
    d["date"] = pd.PeriodIndex(d["month"], freq="M").start_time
    d["signal"] = d["level"].astype(int).map({0: "none", 1: "level 1 (amber)", 2: "level 2 (red)"})
    base = data_layers.marks(x=alt.X("date:T", title="Month of birth"))
    line = base.mark_line(color="#4d4d4d").encode(
        y=alt.Y("cusum:Q", title="CUSUM statistic (events)")
    )
    dots = base.mark_circle(size=70).encode(
        y="cusum:Q",
        color=alt.Color(
            "signal:N",
            scale=alt.Scale(
                domain=["none", "level 1 (amber)", "level 2 (red)"],
                range=[palette.LEVELS[0], palette.LEVELS[1], palette.LEVELS[2]],
            ),
            title="Signal",
        ),
        tooltip=[
            "month:N",
            "events:Q",
            alt.Tooltip("expected:Q", format=".2f"),
            alt.Tooltip("cusum:Q", format=".3f"),
            "signal:N",
        ],
    )
    h1 = base.mark_line(
        strokeDash=[4, 3], color=palette.LEVELS[1], interpolate="step-after"
    ).encode(y="h1:Q")
    h2 = base.mark_line(
        strokeDash=[4, 3], color=palette.LEVELS[2], interpolate="step-after"
    ).encode(y="h2:Q")
    layers = [line, h1, h2, dots]
    if d["reset"].astype(bool).any():
        layers.append(
            alt.Chart(d[d["reset"].astype(bool)])
            .mark_rule(color="#000", strokeDash=[2, 2])
            .encode(x="date:T")
        )
    marks = _marks(annotations, d["date"], monthly=True)
    layers += notes.layers(marks)
    n1, n2 = int((d["level"] == 1).sum()), int((d["level"] == 2).sum())
    text = (
        f"MOSS CUSUM chart for site {site}, {d['month'].min()} to {d['month'].max()}: the "
        f"CUSUM statistic by month of birth with the amber (level 1) and red (level 2) "
        f"thresholds for each year; {n1} amber and {n2} red signal months; dashed vertical "
        "lines mark resets after a red signal." + notes.describe(marks)
    )
    c = data_layers.shared(d, *layers).properties(width=640, height=220, title=f"MOSS: {site}")
    return ChartSpec(f"moss_{site}", f"MOSS CUSUM: {site}", text, c)


def excess_chart(
    excess: pd.DataFrame, site: str, annotations: Sequence[notes.Annotation] = ()
) -> ChartSpec:
    d = excess[excess["site_code"] == site].copy()
    d["date"] = pd.to_datetime(d["date"])
    marks = _marks(annotations, d["date"], monthly=False)
    c = (
        alt.Chart(d)
        .mark_line(color=palette.CATEGORICAL[0])
        .encode(
            x=alt.X("date:T", title="Month of birth"),
            y=alt.Y("cumulative_excess:Q", title="Cumulative excess events (observed - expected)"),
            tooltip=["date:T", alt.Tooltip("cumulative_excess:Q", format=".2f")],
        )
        .properties(width=640, height=180, title=f"Excess events: {site}")
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#000").encode(y="y:Q")
    last = d["cumulative_excess"].iloc[-1] if len(d) else float("nan")
    text = (
        f"Excess-events chart for site {site}: cumulative observed minus expected term deaths "
        f"since the start of the period, ending at {last:.1f}; above zero means more events "
        "than the national reference rate predicts." + notes.describe(marks)
    )
    drawn = alt.layer(c, zero, *notes.layers(marks)) if marks else c + zero
    return ChartSpec(f"excess_{site}", f"Excess events: {site}", text, drawn)

"""Trends per group by year against the national ambition (with dated
annotations at their year), and the deprivation gradient by IMD decile with the
slope-index line."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from matequity.outputs.charts import annotations as notes
from matequity.outputs.charts import layers as data_layers
from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec

GROUP_TITLES = {"imd_quintile": "IMD quintile", "imd_decile": "IMD decile"}


def trend_chart(
    rates: pd.DataFrame,
    by: str,
    title: str,
    unit: str,
    order: list[str],
    ambition: float | None = None,
    ambition_year: int | None = None,
    annotations: Sequence[notes.Annotation] = (),
) -> ChartSpec:
    """``rates``: period (year), ``by``, value (NaN = withheld). Annotations are
    drawn at their year (the axis is by year) when the year is on the chart."""
    d = rates[rates["value"].notna()].copy()
    d["year"] = d["period"].astype(int)
    lines = (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="Year of birth", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title=unit),
            color=alt.Color(
                f"{by}:N",
                sort=order,
                scale=alt.Scale(range=list(palette.CATEGORICAL)),
                title=GROUP_TITLES.get(by, by.replace("_", " ").capitalize()),
            ),
            tooltip=["year:O", f"{by}:N", alt.Tooltip("value:Q", format=".2f")],
        )
    )
    layers = [lines]
    text_amb = ""
    if ambition is not None and ambition_year is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"v": [ambition]}))
            .mark_rule(color=palette.SPC["target"], strokeDash=[6, 3])
            .encode(y="v:Q")
        )
        text_amb = (
            f" The red dashed line is the {ambition_year} national ambition ({ambition:.2f})."
        )
    if d.empty:
        latest = ". No group has enough events to show a rate"
    else:
        last = d[d["year"] == d["year"].max()]
        latest = f"; in {d['year'].max()}: " + ", ".join(
            f"{r[by]} {r['value']:.1f}" for _, r in last.iterrows()
        )
    years = set(d["year"])
    marks = tuple(a for a in annotations if a.date.year in years)
    layers += notes.layers(marks, field="year", as_year=True)
    text = (
        f"{title}: rate ({unit}) by year of birth for each group"
        + latest
        + "."
        + text_amb
        + notes.describe(marks)
    )
    return ChartSpec(
        f"trend_{title}",
        title,
        text,
        alt.layer(*layers).properties(width=560, height=240, title=title),
    )


def gradient_chart(
    rates: pd.DataFrame, fitted: pd.DataFrame, title: str, unit: str, sii: float, rii: float
) -> ChartSpec:
    """``rates``: imd_decile, value, lower_95, upper_95; ``fitted``: imd_decile, fit
    (the weighted least-squares line behind the slope index of inequality)."""
    order = list(rates["imd_decile"])
    d = rates[rates["value"].notna()]
    x = alt.X(
        "imd_decile:N",
        sort=order,
        title="IMD decile (1 = most deprived)",
        axis=alt.Axis(labelAngle=-35, labelLimit=140),
    )
    layers = [
        data_layers.marks()
        .mark_rule(color=palette.CATEGORICAL[0])
        .encode(x=x, y=alt.Y("lower_95:Q", title=unit), y2="upper_95:Q"),
        data_layers.marks()
        .mark_point(filled=True, size=70, color=palette.CATEGORICAL[0])
        .encode(x=x, y="value:Q", tooltip=["imd_decile:N", alt.Tooltip("value:Q", format=".2f")]),
        alt.Chart(fitted).mark_line(color=palette.CATEGORICAL[3]).encode(x=x, y="fit:Q"),
    ]
    text = (
        f"{title}: rate ({unit}) with 95% confidence intervals by IMD decile, 1 = most deprived, "
        f"and the fitted slope-index line; slope index of inequality {sii:.2f} {unit}, "
        f"relative index {rii:.2f}."
    )
    return ChartSpec(
        f"gradient_{title}",
        title,
        text,
        data_layers.shared(d, *layers).properties(width=560, height=240, title=title),
    )

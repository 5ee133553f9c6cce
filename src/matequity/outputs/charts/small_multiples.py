"""Small multiples: one small panel per organisation (e.g. every LMNS) with the
same axes, its rate by year beside England's, so that shapes can be compared
at a glance (Tufte 1983, "The Visual Display of Quantitative Information")."""

from __future__ import annotations

import altair as alt
import pandas as pd

from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec


def small_multiples(
    rates: pd.DataFrame,
    reference: pd.DataFrame,
    title: str,
    unit: str,
    reference_label: str = "England",
    series_label: str = "Organisation",
    columns: int = 5,
) -> ChartSpec:
    """``rates``: org_name, period (year), value (NaN = withheld); ``reference``:
    period, value. Withheld years leave a gap in the organisation's line."""
    names = sorted(rates["org_name"].unique())
    ref = pd.concat([reference[["period", "value"]].assign(org_name=n) for n in names])
    d = pd.concat(
        [
            rates[["org_name", "period", "value"]].assign(series=series_label),
            ref.assign(series=reference_label),
        ],
        ignore_index=True,
    )
    d["year"] = d["period"].astype(int)
    chart = (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("year:O", title="Year of birth", axis=alt.Axis(labelAngle=-90)),
            y=alt.Y("value:Q", title=unit),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(
                    domain=[series_label, reference_label],
                    range=[palette.CATEGORICAL[0], palette.REFERENCE],
                ),
                title=None,
                legend=alt.Legend(orient="top"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=[series_label, reference_label], range=[[1, 0], [4, 3]]),
                title=None,
            ),
            tooltip=["org_name:N", "year:O", alt.Tooltip("value:Q", format=".2f")],
        )
        .properties(width=110, height=80)
        .facet(
            facet=alt.Facet(
                "org_name:N",
                title=None,
                sort=names,
                header=alt.Header(labelFontSize=9, labelLimit=160),
            ),
            columns=columns,
        )
        .properties(title=title)
    )
    shown = rates["value"].notna().sum()
    text = (
        f"{title}: small multiples, one panel per organisation ({len(names)} panels), each "
        f"showing its rate ({unit}) by year of birth as a solid line and {reference_label}'s "
        f"as a dashed line; {shown} of {len(rates)} organisation-years are shown, the rest "
        "are withheld because they have too few events."
    )
    return ChartSpec(f"multiples_{title}", title, text, chart)

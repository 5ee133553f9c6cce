"""Making Data Count SPC chart: points coloured by point type, mean, process
limits and target in the NHS colours (NHSRplotthedots)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec


def spc_chart(
    points: pd.DataFrame, title: str, y_title: str, target: float | None = None
) -> ChartSpec:
    d = points.copy()
    d["date"] = pd.to_datetime(d["date"])
    base = alt.Chart(d).encode(x=alt.X("date:T", title="Month"))
    types = list(palette.SPC)[:5]
    layers = [
        base.mark_line(color="#7f7f7f").encode(y=alt.Y("value:Q", title=y_title)),
        base.mark_line(color=palette.SPC["mean"]).encode(y="mean:Q"),
        base.mark_line(strokeDash=[5, 3], color="#7f7f7f").encode(y="lpl:Q"),
        base.mark_line(strokeDash=[5, 3], color="#7f7f7f").encode(y="upl:Q"),
        base.mark_circle(size=60).encode(
            y="value:Q",
            color=alt.Color(
                "point_type:N",
                scale=alt.Scale(domain=types, range=[palette.SPC[t] for t in types]),
                title="Point type",
            ),
            tooltip=["date:T", alt.Tooltip("value:Q", format=".2f"), "special_cause_type"],
        ),
    ]
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"t": [target]}))
            .mark_rule(color=palette.SPC["target"])
            .encode(y="t:Q")
        )
    v = d["variation_type"].iloc[-1] if len(d) else "n/a"
    a = d["assurance_type"].iloc[-1] if len(d) and "assurance_type" in d else None
    text = (
        f"Statistical process control chart of {y_title} by month with mean and process "
        f"limits; variation: {str(v).replace('_', ' ')}"
        + (f"; assurance: {str(a).replace('_', ' ')}" if a else "")
        + "."
    )
    return ChartSpec(
        "spc_" + title.lower().replace(" ", "_"),
        title,
        text,
        alt.layer(*layers).properties(width=640, height=200, title=title),
    )

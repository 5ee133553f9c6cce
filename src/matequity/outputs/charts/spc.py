"""Making Data Count SPC chart: points coloured by point type, mean, process
limits and target in the NHS colours, with the variation and assurance icons
beside it (NHS England "Making Data Count" icons as NHSRplotthedots draws them:
a coloured disc with H or L for a high or low special cause, P/F/? for
assurance). The centre line is the chart's own (the mean; the g-chart's
median), limit lines break at a rebase, and dated annotations are drawn as
labelled vertical rules."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from matequity.outputs.charts import annotations as notes
from matequity.outputs.charts import layers as data_layers
from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec

#: variation type -> (colour, glyph, words)
VARIATION_ICONS = {
    "common_cause": (palette.SPC["common_cause"], "~", "common cause"),
    **{
        f"special_cause_{kind}_{side}": (
            palette.SPC[f"special_cause_{kind}" + ("_" + side if kind == "neutral" else "")],
            side[0].upper(),
            f"special cause {words}, {side}",
        )
        for kind, words in (
            ("improvement", "improving"),
            ("concern", "concerning"),
            ("neutral", "neither improving nor concerning"),
        )
        for side in ("high", "low")
    },
}
ASSURANCE_ICONS = {
    "consistent_pass": (palette.SPC["special_cause_improvement"], "P", "consistently passes"),
    "consistent_fail": (palette.SPC["special_cause_concern"], "F", "consistently fails"),
    "inconsistent": (palette.SPC["common_cause"], "?", "hit and miss"),
}


def icons(variation: str, assurance: str | None) -> alt.Chart:
    """The Making Data Count icons as a small view: variation, then assurance."""
    rows = [("Variation", *VARIATION_ICONS[variation])]
    if assurance:
        rows.append(("Assurance", *ASSURANCE_ICONS[assurance]))
    d = pd.DataFrame(rows, columns=["kind", "colour", "glyph", "words"])
    d["i"] = range(len(d))
    base = data_layers.marks(
        x=alt.X("i:O", axis=None), tooltip=[alt.Tooltip("kind:N"), alt.Tooltip("words:N")]
    )
    disc = base.mark_circle(size=1100, opacity=1).encode(
        y=alt.value(24), color=alt.Color("colour:N", scale=None)
    )
    glyph = base.mark_text(fontSize=18, fontWeight="bold", color="white").encode(
        y=alt.value(25), text="glyph:N"
    )
    label = base.mark_text(fontSize=10, baseline="top").encode(y=alt.value(48), text="kind:N")
    return data_layers.shared(d, disc, glyph, label).properties(
        width=45 * len(d), height=70, view=alt.ViewConfig(stroke=None)
    )


def spc_chart(
    points: pd.DataFrame,
    title: str,
    y_title: str,
    target: float | None = None,
    annotations: Sequence[notes.Annotation] = (),
    x_title: str = "Month",
) -> ChartSpec:
    d = points.copy()
    d["date"] = pd.to_datetime(d["date"])
    centre = "centre" if "centre" in d.columns else "mean"
    group = {"detail": "rebase_group:N"} if "rebase_group" in d.columns else {}
    base = data_layers.marks(x=alt.X("date:T", title=x_title))
    types = list(palette.SPC)[:5]
    layers = [
        base.mark_line(color="#7f7f7f").encode(y=alt.Y("value:Q", title=y_title)),
        base.mark_line(color=palette.SPC["mean"]).encode(y=f"{centre}:Q", **group),
        base.mark_line(strokeDash=[5, 3], color="#7f7f7f").encode(y="lpl:Q", **group),
        base.mark_line(strokeDash=[5, 3], color="#7f7f7f").encode(y="upl:Q", **group),
        base.mark_circle(size=60).encode(
            y="value:Q",
            color=alt.Color(
                "point_type:N",
                scale=alt.Scale(domain=types, range=[palette.SPC[t] for t in types]),
                title="Point type",
                legend=alt.Legend(labelExpr="replace(datum.label, /_/g, ' ')"),
            ),
            tooltip=["date:T", alt.Tooltip("value:Q", format=".2f"), "special_cause_type:N"],
        ),
    ]
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"t": [target]}))
            .mark_rule(color=palette.SPC["target"])
            .encode(y="t:Q")
        )
    marks = (
        notes.within(annotations, d["date"].min().date(), d["date"].max().date()) if len(d) else ()
    )
    layers += notes.layers(marks)
    v = d["variation_type"].iloc[-1] if len(d) else "n/a"
    a = d["assurance_type"].iloc[-1] if len(d) and "assurance_type" in d else None
    a = a if isinstance(a, str) else None
    text = (
        f"Statistical process control chart of {y_title} by {x_title.lower()} with "
        f"{'mean' if centre == 'mean' else 'centre line'} and process "
        f"limits; variation: {VARIATION_ICONS[v][2] if v in VARIATION_ICONS else v}"
        + (f"; assurance: {ASSURANCE_ICONS[a][2]} the target" if a else "")
        + "."
        + notes.describe(marks)
    )
    main = data_layers.shared(d, *layers).properties(width=600, height=200)
    chart = alt.hconcat(main, icons(v, a)) if len(d) else main
    return ChartSpec(
        "spc_" + title.lower().replace(" ", "_"), title, text, chart.properties(title=title)
    )

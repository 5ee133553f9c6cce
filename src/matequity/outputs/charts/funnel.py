"""Funnel plot: each organisation's rate against its size, with the target and
the 95% and 99.8% control limits (exact, or overdispersed when chosen), points
coloured by their position against the 99.8% limits and labelled on hover
(Spiegelhalter 2005, "Funnel plots for comparing institutional performance",
Stat Med 24:1185; limits from :mod:`matequity.stats.funnel`)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from matequity.outputs.charts import palette
from matequity.outputs.charts.spec import ChartSpec

POSITIONS = {
    "above": ("above the 99.8% limit", palette.CATEGORICAL[3]),
    "within": ("within the limits", "#7f7f7f"),
    "below": ("below the 99.8% limit", palette.CATEGORICAL[0]),
}
LIMITS = {
    "upper_99_8": ("99.8% limits", []),
    "lower_99_8": ("99.8% limits", []),
    "upper_95": ("95% limits", [5, 3]),
    "lower_95": ("95% limits", [5, 3]),
}


def funnel_chart(
    units: pd.DataFrame,
    limits: pd.DataFrame,
    title: str,
    unit: str,
    x_title: str,
    limits_text: str,
    highlight: str | None = None,
    unit_label: str = "organisations",
) -> ChartSpec:
    """``units``: org_code, org_name, denominator, value (NaN = withheld) and
    position_99_8; ``limits``: the :func:`matequity.stats.funnel.curve` frame."""
    d = units[units["value"].notna()].copy()
    d["position"] = d["position_99_8"].map(lambda p: POSITIONS[p][0])
    # the limits from half the smallest organisation's size: the funnel's mouth
    # at tiny sizes would squash the points into a line
    start = 0.5 * float(units["denominator"].min()) if len(units) else 0.0
    limits = limits[limits["denominator"] >= start]
    long = limits.melt(
        id_vars=["denominator"], value_vars=list(LIMITS), var_name="limit", value_name="y"
    ).dropna()
    long["band"] = long["limit"].map(lambda c: LIMITS[c][0])
    x = alt.X("denominator:Q", title=x_title)
    layers = [
        alt.Chart(limits.head(1))
        .mark_rule(color=palette.REFERENCE)
        .encode(y=alt.Y("target:Q", title=unit)),
        alt.Chart(long)
        .mark_line(color="#4d4d4d")
        .encode(
            x=x,
            y="y:Q",
            detail="limit:N",
            strokeDash=alt.StrokeDash(
                "band:N",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[5, 3], [1, 0]]),
                title="Control limits",
            ),
        ),
        alt.Chart(d)
        .mark_circle(size=60, opacity=0.9)
        .encode(
            x=x,
            y="value:Q",
            color=alt.Color(
                "position:N",
                scale=alt.Scale(
                    domain=[v[0] for v in POSITIONS.values()],
                    range=[v[1] for v in POSITIONS.values()],
                ),
                title="Position (99.8% limits)",
            ),
            tooltip=[
                alt.Tooltip("org_name:N", title="Organisation"),
                alt.Tooltip("org_code:N", title="Code"),
                alt.Tooltip("denominator:Q", format=",.0f", title=x_title),
                alt.Tooltip("value:Q", format=".2f", title=unit),
                alt.Tooltip("position:N", title="Position"),
            ],
        ),
    ]
    if highlight is not None and (d["org_code"] == highlight).any():
        h = d[d["org_code"] == highlight]
        layers += [
            alt.Chart(h)
            .mark_point(size=220, shape="diamond", color="#000", strokeWidth=2)
            .encode(x=x, y="value:Q"),
            alt.Chart(h)
            .mark_text(align="left", dx=10, dy=-8, fontWeight="bold")
            .encode(x=x, y="value:Q", text="org_name:N"),
        ]
    above = d.loc[d["position_99_8"] == "above", "org_name"].tolist()
    below = d.loc[d["position_99_8"] == "below", "org_name"].tolist()
    target = float(limits["target"].iloc[0])
    text = (
        f"{title}: funnel plot of {len(d)} {unit_label}, {unit} against {x_title.lower()}"
        f", with the target {target:.2f} and the 95% and 99.8% control limits ({limits_text}); "
        f"{len(above)} above the 99.8% limit"
        + (f" ({', '.join(above)})" if above else "")
        + f" and {len(below)} below"
        + (f" ({', '.join(below)})" if below else "")
        + "."
        + (
            f" {len(units) - len(d)} {unit_label} with too few events are withheld."
            if len(d) < len(units)
            else ""
        )
    )
    return ChartSpec(
        f"funnel_{title}",
        title,
        text,
        alt.layer(*layers).properties(width=600, height=300, title=title),
    )


def population_label(per: str) -> str:
    """'per 1,000 total births' -> 'Total births'; '% of term live births' -> 'Term live births'."""
    text = per.split(" of ", 1)[1] if per.startswith("%") else per.split(" ", 2)[2]
    return text[:1].upper() + text[1:]


def funnel_of(f, measure, unit_label: str = "organisations") -> ChartSpec:
    """The chart of an analysis's :class:`~matequity.analyses.funnel.Funnel` of ``measure``."""
    return funnel_chart(
        f.points,
        f.limits,
        f"{measure.title}: {unit_label} compared",
        f"{measure.title} ({measure.per})",
        population_label(measure.per),
        f.method,
        f.highlight,
        unit_label,
    )

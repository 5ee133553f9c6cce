"""A chart file that says where its figures come from: its disclosure policy and
the period of the data, as a subtitle under its title (a downloaded PNG or SVG
leaves the page that explained them)."""

from __future__ import annotations

import altair as alt

from matequity.outputs.charts.spec import ChartSpec


def with_provenance(c: ChartSpec, policy: str, period: str, source: str = "matequity") -> ChartSpec:
    """``c`` with the subtitle 'Disclosure: POLICY. Births PERIOD. SOURCE.'"""
    note = f"Disclosure: {policy}. Births {period}. {source}."
    chart = c.chart.properties(title=alt.TitleParams(text=c.title, subtitle=[note], anchor="start"))
    return ChartSpec(c.key, c.title, f"{c.alt_text} {note}", chart)

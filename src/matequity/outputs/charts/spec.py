"""A chart ready for a report: the Altair chart, its title and its alt text
(every chart carries a text description for screen readers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import altair as alt


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    alt_text: str
    chart: alt.TopLevelMixin

    def __post_init__(self) -> None:
        # the key is an HTML id and a CSS selector: letters, digits, _ and - only
        object.__setattr__(self, "key", re.sub(r"[^A-Za-z0-9_-]", "_", self.key))

    def spec(self) -> dict:
        """The Vega-Lite dict (built once: Altair validates it against the
        schema, which costs more than the page around it)."""
        cached = self.__dict__.get("_spec")
        if cached is None:
            cached = self.chart.properties(description=self.alt_text).to_dict()
            object.__setattr__(self, "_spec", cached)
        return cached

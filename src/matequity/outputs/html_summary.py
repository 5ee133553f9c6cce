"""The demo's HTML summary: reconciliation, definitions and rate tables.

Presentation only: every number arrives computed (counts from the engine,
rates from :mod:`matequity.stats.rates`); this module formats and lays out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from matequity import __version__
from matequity.measures.catalogue import BY_NAME, MEASURES

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("matequity.outputs", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Block:
    title: str
    tables: list[Table] = field(default_factory=list)


@dataclass
class Section:
    title: str
    blocks: list[Block]
    intro: str = ""
    collapsible: bool = False


def _fmt(v: float, digits: int = 2) -> str:
    return "" if pd.isna(v) else f"{v:,.{digits}f}"


def rate_table(rates: pd.DataFrame, measure: str, by: str) -> Table:
    """One measure by one breakdown: events, population, rate and 95% CI."""
    m = BY_NAME[measure]
    part = rates[rates["measure"] == measure]
    rows = [
        [
            str(r[by]),
            f"{int(r['numerator']):,}",
            f"{int(r['denominator']):,}",
            _fmt(r["value"]),
            f"{_fmt(r['lower_95'])} to {_fmt(r['upper_95'])}" if not pd.isna(r["value"]) else "",
        ]
        for _, r in part.iterrows()
    ]
    return Table(
        f"{m.title} ({m.per}) by {by.replace('_', ' ')}",
        [by.replace("_", " ").capitalize(), "Events", "Population", "Rate", "95% CI"],
        rows,
    )


def render(
    path: Path,
    *,
    title: str,
    source: str,
    period: str,
    grouping: str,
    disclosure: str,
    loads: pd.DataFrame,
    reasons: pd.DataFrame,
    sections: list[Section],
) -> Path:
    html = _ENV.get_template("summary.html.j2").render(
        title=title,
        source=source,
        period=period,
        grouping=grouping,
        disclosure=disclosure,
        version=__version__,
        generated=dt.date.today().isoformat(),
        loads=loads.to_dict("records"),
        reasons=reasons.to_dict("records"),
        measures=MEASURES,
        sections=sections,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path

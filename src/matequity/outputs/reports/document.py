"""The one document model of every matequity output page: a report as data,
sections of text, tables and charts, with the metadata every matequity report
states (data period, source, definitions, disclosure policy, version). The
reports and the demo's summary are built from analysis results into this
model; rendering (HTML, PDF) only formats it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from matequity.measures.definition import Measure
from matequity.outputs.charts.spec import ChartSpec


def measure_definitions(measures: Iterable[Measure]) -> tuple[str, ...]:
    """One sentence per measure: numerator, denominator and source."""
    return tuple(
        f"{m.title} ({m.per}): {m.numerator_text} among {m.denominator_text}. Source: {m.source}."
        for m in measures
    )


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    #: shown folded (one of many similar sections, such as one per LMNS)
    collapsible: bool = False


@dataclass(frozen=True)
class Report:
    kind: str
    title: str
    organisation: str
    period: str
    source: str
    definitions: tuple[str, ...]
    disclosure: str
    version: str
    generated: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

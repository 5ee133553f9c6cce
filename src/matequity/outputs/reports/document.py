"""A report as data: sections of text, tables and charts, with the metadata
every matequity report states (data period, source, definitions, disclosure
policy, version). Reports are built from API results; rendering only formats."""

from __future__ import annotations

from dataclasses import dataclass, field

from matequity.measures.catalogue import BY_NAME
from matequity.outputs.charts.spec import ChartSpec


def measure_definitions(names) -> tuple[str, ...]:
    """One sentence per measure: numerator, denominator and source."""
    return tuple(
        f"{BY_NAME[m].title} ({BY_NAME[m].per}): {BY_NAME[m].numerator_text} among "
        f"{BY_NAME[m].denominator_text}. Source: {BY_NAME[m].source}."
        for m in names
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

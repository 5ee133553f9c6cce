"""Period labels as spans of months, so that a period published beside its parts
(a year beside its quarters or months, '2022-2024' beside its years, 'all' beside
the years) is known to be their sum.

Labels are those of :func:`matequity.engine.derive.period_label` ('2024',
'2024 Q1', '2024-01', 'all') and the reports' ranges of years ('2022-2024').
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4})\s*(?:-|to|:)\s*(\d{4})$")

#: grains from finest to coarsest
GRAINS = ("month", "quarter", "year", "years")


@dataclass(frozen=True)
class Span:
    """A period: its grain and its first and last month (as year * 12 + month - 1)."""

    grain: str
    first: int
    last: int

    def contains(self, other: Span) -> bool:
        return self.first <= other.first and other.last <= self.last and self != other

    def parts(self, grain: str) -> list[Span]:
        """The periods of ``grain`` that make up this one."""
        step = {"month": 1, "quarter": 3, "year": 12}[grain]
        return [Span(grain, m, m + step - 1) for m in range(self.first, self.last + 1, step)]


def parse(label: str) -> Span | None:
    """The span of a period label; None for a label that is not a period
    ('all' is resolved by the caller, from the periods beside it)."""
    s = str(label).strip()
    if m := _YEAR.match(s):
        y = int(m[1]) * 12
        return Span("year", y, y + 11)
    if m := _QUARTER.match(s):
        start = int(m[1]) * 12 + (int(m[2]) - 1) * 3
        return Span("quarter", start, start + 2)
    if m := _MONTH.match(s):
        if 1 <= int(m[2]) <= 12:
            start = int(m[1]) * 12 + int(m[2]) - 1
            return Span("month", start, start)
        return None
    if (m := _RANGE.match(s)) and int(m[1]) < int(m[2]):
        return Span("years", int(m[1]) * 12, int(m[2]) * 12 + 11)
    return None


def label(span: Span) -> str:
    """The label of a span (for periods implied but not published)."""
    y, mo = divmod(span.first, 12)
    if span.grain == "year":
        return str(y)
    if span.grain == "quarter":
        return f"{y} Q{mo // 3 + 1}"
    if span.grain == "month":
        return f"{y}-{mo + 1:02d}"
    return f"{y}-{span.last // 12}"


def decompositions(labels: list[str]) -> list[tuple[str, list[str]]]:
    """For each composite period among ``labels``: (label, its parts at the next
    finer grain present among ``labels``), parts not published included (their
    labels made up). 'all' is the sum of the years present."""
    spans = {lb: sp for lb in labels if (sp := parse(lb)) is not None}
    out: list[tuple[str, list[str]]] = []
    years = [sp for sp in spans.values() if sp.grain == "year"]
    for lb in labels:
        if str(lb).strip().lower() == "all" and years:
            first, last = min(s.first for s in years), max(s.last for s in years)
            out.append((lb, _labels(Span("years", first, last).parts("year"), spans)))
    for lb, sp in spans.items():
        inner = [s for s in spans.values() if sp.contains(s)]
        finer = GRAINS[: GRAINS.index(sp.grain)]
        for grain in reversed(finer):
            if any(s.grain == grain for s in inner):
                out.append((lb, _labels(sp.parts(grain), spans)))
                break
    return out


def _labels(parts: list[Span], known: dict[str, Span]) -> list[str]:
    by_span = {sp: lb for lb, sp in known.items()}
    return [by_span.get(p, label(p)) for p in parts]

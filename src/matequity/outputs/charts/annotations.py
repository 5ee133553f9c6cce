"""Dated annotations on charts: a change of practice, guidance or data ("Saving
Babies' Lives v2") drawn as a labelled vertical rule at its date, so that a
reader sees what happened when (the annotated run chart of the Institute for
Healthcare Improvement and NHS England's Making Data Count guidance: "annotate
the chart with changes").

An annotation is written ``DATE:LABEL`` (``2019-04:Saving Babies' Lives v2``;
the date is YYYY-MM, meaning the first of the month, or YYYY-MM-DD) or given in a
CSV with columns ``date, label`` and an optional ``rebase`` flag column (true /
false, yes / no, 1 / 0): an SPC chart can recalculate its limits at the
annotations so flagged. Parsing is here so that the command line, the reports
and the charts share one definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd

from matequity.errors import InputFileError, UserError

MAX_LABEL = 80
COLOUR = "#4d4d4d"
TRUE = frozenset({"true", "yes", "1", "y"})
FALSE = frozenset({"false", "no", "0", "n", ""})


@dataclass(frozen=True)
class Annotation:
    """A dated label; ``rebase`` marks a change at which SPC limits restart."""

    date: dt.date
    label: str
    rebase: bool = False


def _date(text: str) -> dt.date | None:
    t = text.strip()
    try:
        if len(t) == 7:
            return dt.date.fromisoformat(t + "-01")
        if len(t) == 10:
            return dt.date.fromisoformat(t)
    except ValueError:
        return None
    return None


def _label(text: str) -> str | None:
    t = " ".join(text.split())
    return t if 0 < len(t) <= MAX_LABEL else None


def parse_annotation(text: str, rebase: bool = False) -> Annotation:
    """``'2019-04:Saving Babies' Lives v2'`` -> Annotation(2019-04-01, ...)."""
    date_text, sep, label_text = text.partition(":")
    day = _date(date_text) if sep else None
    label = _label(label_text.strip().strip("\"'")) if sep else None
    if day is None or label is None:
        raise UserError(
            f"--annotate {text!r}: expected DATE:LABEL with DATE as YYYY-MM or YYYY-MM-DD and "
            f'a label of 1 to {MAX_LABEL} characters, e.g. 2019-04:"Saving Babies\' Lives v2"'
        )
    return Annotation(day, label, rebase)


def read_annotations(path: str | Path) -> tuple[Annotation, ...]:
    """Annotations from a CSV with columns date, label and optionally rebase."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(str(p), "no such file")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(str(p), "not valid UTF-8 text; save the file as UTF-8 CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            str(p), f"not a CSV table ({str(exc).splitlines()[0][:120]})"
        ) from None
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in ("date", "label") if c not in df.columns]
    if missing:
        raise InputFileError(
            str(p), f"missing column(s) {', '.join(missing)} (annotations need date, label)"
        )
    out = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        day = _date(r.date)
        if day is None:
            raise InputFileError(str(p), f"row {i}, column 'date': expected YYYY-MM or YYYY-MM-DD")
        label = _label(r.label)
        if label is None:
            raise InputFileError(
                str(p), f"row {i}, column 'label': expected 1 to {MAX_LABEL} characters"
            )
        flag = str(getattr(r, "rebase", "")).strip().lower()
        if flag not in TRUE | FALSE:
            raise InputFileError(str(p), f"row {i}, column 'rebase': expected true or false")
        out.append(Annotation(day, label, flag in TRUE))
    return tuple(sorted(out, key=lambda a: a.date))


def combine(
    texts: Iterable[str] = (), path: str | Path | None = None, rebase_all: bool = False
) -> tuple[Annotation, ...]:
    """Annotations from ``--annotate`` texts and an ``--annotations`` file, by
    date; ``rebase_all`` flags every one as a rebase point."""
    found = [parse_annotation(t) for t in texts]
    if path is not None:
        found.extend(read_annotations(path))
    if rebase_all:
        found = [Annotation(a.date, a.label, True) for a in found]
    return tuple(sorted(found, key=lambda a: a.date))


def rebase_dates(annotations: Sequence[Annotation]) -> list[str]:
    """The dates (YYYY-MM-DD) of the annotations flagged as rebase points."""
    return sorted({a.date.isoformat() for a in annotations if a.rebase})


def within(
    annotations: Sequence[Annotation], start: dt.date, end: dt.date
) -> tuple[Annotation, ...]:
    """The annotations dated from ``start`` to ``end`` inclusive (a chart draws
    only those inside its own time axis)."""
    return tuple(a for a in annotations if start <= a.date <= end)


def describe(annotations: Sequence[Annotation]) -> str:
    """Alt-text sentence naming the annotations drawn ('' when none)."""
    if not annotations:
        return ""
    marks = "; ".join(f"{a.date.isoformat()} {a.label}" for a in annotations)
    return f" Vertical lines mark: {marks}."


def _frame(annotations: Sequence[Annotation], field: str, as_year: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            field: [a.date.year if as_year else pd.Timestamp(a.date) for a in annotations],
            "annotation": [a.label for a in annotations],
            "annotation_date": [a.date.isoformat() for a in annotations],
        }
    )


def layers(
    annotations: Sequence[Annotation], field: str = "date", as_year: bool = False
) -> list[alt.Chart]:
    """A rule per annotation and its label, on the x field ``field`` (temporal;
    or ordinal years when ``as_year``). Labels are staggered down from the top
    so that neighbouring ones do not overprint."""
    if not annotations:
        return []
    d = _frame(annotations, field, as_year)
    x = alt.X(f"{field}:O") if as_year else alt.X(f"{field}:T")
    out: list[alt.Chart] = [
        alt.Chart(d)
        .mark_rule(color=COLOUR, strokeDash=[3, 3], strokeWidth=1.2)
        .encode(
            x=x,
            tooltip=[
                alt.Tooltip("annotation_date:N", title="Date"),
                alt.Tooltip("annotation:N", title="Annotation"),
            ],
        )
    ]
    for i in range(len(d)):
        out.append(
            alt.Chart(d.iloc[[i]])
            .mark_text(align="left", baseline="top", dx=3, fontSize=10, color=COLOUR)
            .encode(x=x, y=alt.value(4 + 12 * (i % 4)), text="annotation:N")
        )
    return out

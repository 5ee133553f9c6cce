"""Options the chart-drawing commands share: annotations (``--annotate``,
``--annotations``), the SPC chart kind and MOSS's year-change mode."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

AnnotateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--annotate",
        help="A dated note drawn as a labelled vertical line, DATE:LABEL with DATE YYYY-MM or "
        'YYYY-MM-DD, e.g. 2019-04:"Saving Babies\' Lives v2" (repeatable).',
    ),
]
AnnotationsOpt = Annotated[
    Path | None,
    typer.Option(
        "--annotations",
        help="CSV of annotations: date, label and an optional rebase column (true/false).",
    ),
]


class ChartKind(StrEnum):
    xmr = "xmr"
    g = "g"
    t = "t"


class YearChangeName(StrEnum):
    carry = "carry"
    regrid = "regrid"


def chart_annotations(
    annotate: list[str] | None, annotations: Path | None, rebase_all: bool = False
):
    """The annotations given on the command line, by date."""
    from matequity.outputs.charts.annotations import combine

    return combine(annotate or (), annotations, rebase_all)

"""``matequity report ...``: reports as self-contained HTML and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import app, console, user_errors
from matequity.cli.chart_options import AnnotateOpt, AnnotationsOpt, chart_annotations

ENGLAND = "E92000001"

# the options the report commands share
StoreOpt = Annotated[Path, typer.Option("--store", help="DuckDB store file.")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the HTML and PDF.")]
YearsOpt = Annotated[str | None, typer.Option(help="Years YYYY:YYYY (default: the last three).")]
PolicyOpt = Annotated[str, typer.Option(help="Disclosure policy for published cells.")]
OverdispersionOpt = Annotated[
    str, typer.Option(help="Funnel limits: none (exact), phi or tau2 (overdispersed).")
]
PdfOpt = Annotated[bool, typer.Option(help="Also write the PDF.")]
ImagesOpt = Annotated[
    bool, typer.Option(help="Also write every chart as SVG and PNG (for slides and print).")
]


def _overdispersion(value: str) -> str:
    from matequity.errors import UserError

    if value not in ("none", "phi", "tau2"):
        raise UserError(f"--overdispersion {value!r}: expected none, phi or tau2")
    return value


def _write(rep, out: Path, stem: str, pdf: bool, images: bool) -> None:
    """The report's HTML, optionally its PDF and its charts as SVG and PNG."""
    from matequity.outputs.reports import render

    console.print(f"wrote {render.write_html(rep, out / f'{stem}.html')}")
    if pdf:
        console.print(f"wrote {render.write_pdf(rep, out / f'{stem}.pdf')}")
    if images:
        files = render.write_images(rep, out / f"{stem}_charts")
        console.print(f"wrote {len(files) // 2} charts as SVG and PNG in {out / f'{stem}_charts'}")


report_app = typer.Typer(help="Reports as self-contained HTML and PDF.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("board")
@user_errors
def board_cmd(
    store: StoreOpt,
    org: Annotated[str, typer.Option("--org", help="Trust code (ODS).")],
    out: OutOpt,
    period: Annotated[
        str | None, typer.Option(help="Months YYYY-MM:YYYY-MM (default: the last 24).")
    ] = None,
    policy: PolicyOpt = "nhs",
    reference_rate: Annotated[
        float | None, typer.Option(help="MOSS reference rate (default: England's, 3 years).")
    ] = None,
    pdf: PdfOpt = True,
    images: ImagesOpt = False,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
) -> None:
    """Trust board safety report: MOSS and excess-events charts per site, the signal
    register, SPC charts of key measures."""
    from matequity.disclosure.policy import get
    from matequity.outputs.reports import board

    marks = chart_annotations(annotate, annotations)
    rep, _data = board.build(store, org, get(policy), period, reference_rate, marks)
    _write(rep, out, f"board_{org}", pdf, images)


@report_app.command("lmns")
@user_errors
def lmns_cmd(
    store: StoreOpt,
    org: Annotated[str, typer.Option("--org", help="LMNS code.")],
    out: OutOpt,
    period: YearsOpt = None,
    policy: PolicyOpt = "nhs",
    overdispersion: OverdispersionOpt = "none",
    pdf: PdfOpt = True,
    images: ImagesOpt = False,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
) -> None:
    """LMNS equity and equality analysis: population profile, each measure by ethnic
    group and deprivation against England and a reference group, detectable change,
    coding completeness, and a plain-English summary."""
    from matequity.disclosure.policy import get
    from matequity.outputs.reports import lmns

    marks = chart_annotations(annotate, annotations)
    rep, _data = lmns.build(store, org, get(policy), period, _overdispersion(overdispersion), marks)
    _write(rep, out, f"lmns_{org}", pdf, images)


@report_app.command("national")
@user_errors
def national_cmd(
    store: StoreOpt,
    out: OutOpt,
    org: Annotated[str, typer.Option("--org", help="England's code (ONS).")] = ENGLAND,
    period: YearsOpt = None,
    policy: PolicyOpt = "nhs",
    overdispersion: OverdispersionOpt = "none",
    pdf: PdfOpt = True,
    images: ImagesOpt = False,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
) -> None:
    """National equity progress report: the pledge measures by ethnicity and
    deprivation, trends against the ambition, the deprivation gradient, and the
    LMNS carrying the most excess events."""
    from matequity.disclosure.policy import get
    from matequity.errors import UserError
    from matequity.outputs.reports import national

    if org != ENGLAND:
        raise UserError(f"--org {org}: the national report covers England ({ENGLAND}) only")
    marks = chart_annotations(annotate, annotations)
    rep, _data = national.build(store, get(policy), period, _overdispersion(overdispersion), marks)
    _write(rep, out, f"national_{org}", pdf, images)

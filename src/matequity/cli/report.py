"""``matequity report ...``: reports as self-contained HTML and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import (
    EngineName,
    EngineOpt,
    Overdispersion,
    ReportFormat,
    StoreOpt,
    app,
    console,
    guard_output,
    user_errors,
)
from matequity.cli.chart_options import AnnotateOpt, AnnotationsOpt, chart_annotations
from matequity.vocabulary import ENGLAND_CODE

# the options the report commands share
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the HTML and PDF.")]
YearsOpt = Annotated[str | None, typer.Option(help="Years YYYY:YYYY (default: the last three).")]
PolicyOpt = Annotated[str, typer.Option(help="Disclosure policy for published cells.")]
OverdispersionOpt = Annotated[
    Overdispersion, typer.Option(help="Funnel limits: none (exact), phi or tau2 (overdispersed).")
]
FormatOpt = Annotated[ReportFormat, typer.Option("--format", help="html, pdf or both.")]
ImagesOpt = Annotated[
    bool, typer.Option(help="Also write every chart as SVG and PNG (for slides and print).")
]
StabilisedOpt = Annotated[
    bool,
    typer.Option(help="Include stabilised & adjusted rates (fits a model per measure)."),
]


def _run(
    kind: str,
    store: Path,
    engine: EngineName,
    out: Path,
    fmt,
    images,
    annotate,
    annotations,
    **request,
) -> None:
    from matequity.disclosure.policy import get
    from matequity.pipeline import reports

    guard_output(out, [store], folder=True)
    req = reports.ReportRequest(
        kind=kind,
        policy=get(request.pop("policy")),
        annotations=tuple(chart_annotations(annotate, annotations)),
        **request,
    )
    reports.report_to_files(
        engine.value, store, req, out, fmt.value, images, say=lambda m: console.print(m)
    )


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
    engine: EngineOpt = EngineName.duckdb,
    fmt: FormatOpt = ReportFormat.both,
    images: ImagesOpt = False,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
    stabilised: StabilisedOpt = True,
) -> None:
    """Trust board safety report: MOSS and excess-events charts per site, the signal
    register, SPC charts of key measures."""
    _run(
        "board",
        store,
        engine,
        out,
        fmt,
        images,
        annotate,
        annotations,
        stabilised=stabilised,
        org=org,
        period=period,
        policy=policy,
        reference_rate=reference_rate,
    )


@report_app.command("lmns")
@user_errors
def lmns_cmd(
    store: StoreOpt,
    org: Annotated[str, typer.Option("--org", help="LMNS code.")],
    out: OutOpt,
    period: YearsOpt = None,
    policy: PolicyOpt = "nhs",
    overdispersion: OverdispersionOpt = Overdispersion.none,
    engine: EngineOpt = EngineName.duckdb,
    fmt: FormatOpt = ReportFormat.both,
    images: ImagesOpt = False,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
    stabilised: StabilisedOpt = True,
) -> None:
    """LMNS equity and equality analysis: population profile, each measure by ethnic
    group and deprivation against England and a reference group, detectable change,
    coding completeness, and a plain-English summary."""
    _run(
        "lmns",
        store,
        engine,
        out,
        fmt,
        images,
        annotate,
        annotations,
        stabilised=stabilised,
        org=org,
        period=period,
        policy=policy,
        overdispersion=overdispersion.value,
    )


@report_app.command("national")
@user_errors
def national_cmd(
    store: StoreOpt,
    out: OutOpt,
    org: Annotated[str, typer.Option("--org", help="England's code (ONS).")] = ENGLAND_CODE,
    period: YearsOpt = None,
    policy: PolicyOpt = "nhs",
    overdispersion: OverdispersionOpt = Overdispersion.none,
    engine: EngineOpt = EngineName.duckdb,
    fmt: FormatOpt = ReportFormat.both,
    images: ImagesOpt = False,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
    stabilised: StabilisedOpt = True,
) -> None:
    """National equity progress report: the pledge measures by ethnicity and
    deprivation, trends against the ambition, the deprivation gradient, and the
    LMNS carrying the most excess events."""
    _run(
        "national",
        store,
        engine,
        out,
        fmt,
        images,
        annotate,
        annotations,
        stabilised=stabilised,
        org=org,
        period=period,
        policy=policy,
        overdispersion=overdispersion.value,
    )

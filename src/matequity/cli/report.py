"""``matequity report ...``: reports as self-contained HTML and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import app, console, user_errors

report_app = typer.Typer(help="Reports as self-contained HTML and PDF.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("board")
@user_errors
def board_cmd(
    store: Annotated[Path, typer.Option("--store", help="DuckDB store file.")],
    org: Annotated[str, typer.Option("--org", help="Trust code (ODS).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the HTML and PDF.")],
    period: Annotated[
        str | None, typer.Option(help="Months YYYY-MM:YYYY-MM (default: the last 24).")
    ] = None,
    policy: Annotated[str, typer.Option(help="Disclosure policy for published cells.")] = "nhs",
    reference_rate: Annotated[
        float | None, typer.Option(help="MOSS reference rate (default: England's, 3 years).")
    ] = None,
    pdf: Annotated[bool, typer.Option(help="Also write the PDF.")] = True,
) -> None:
    """Trust board safety report: MOSS and excess-events charts per site, the signal
    register, SPC charts of key measures."""
    from matequity.disclosure.policy import get
    from matequity.outputs.reports import board, render

    rep, _data = board.build(store, org, get(policy), period, reference_rate)
    html = render.write_html(rep, out / f"board_{org}.html")
    console.print(f"wrote {html}")
    if pdf:
        console.print(f"wrote {render.write_pdf(rep, out / f'board_{org}.pdf')}")


@report_app.command("lmns")
@user_errors
def lmns_cmd(
    store: Annotated[Path, typer.Option("--store", help="DuckDB store file.")],
    org: Annotated[str, typer.Option("--org", help="LMNS code.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the HTML and PDF.")],
    period: Annotated[
        str | None, typer.Option(help="Years YYYY:YYYY (default: the last three).")
    ] = None,
    policy: Annotated[str, typer.Option(help="Disclosure policy for published cells.")] = "nhs",
    pdf: Annotated[bool, typer.Option(help="Also write the PDF.")] = True,
) -> None:
    """LMNS equity and equality analysis: population profile, each measure by ethnic
    group and deprivation against England and a reference group, detectable change,
    coding completeness, and a plain-English summary."""
    from matequity.disclosure.policy import get
    from matequity.outputs.reports import lmns, render

    rep, _data = lmns.build(store, org, get(policy), period)
    console.print(f"wrote {render.write_html(rep, out / f'lmns_{org}.html')}")
    if pdf:
        console.print(f"wrote {render.write_pdf(rep, out / f'lmns_{org}.pdf')}")


@report_app.command("national")
@user_errors
def national_cmd(
    store: Annotated[Path, typer.Option("--store", help="DuckDB store file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the HTML and PDF.")],
    period: Annotated[
        str | None, typer.Option(help="Years YYYY:YYYY (default: the last three).")
    ] = None,
    policy: Annotated[str, typer.Option(help="Disclosure policy for published cells.")] = "nhs",
    pdf: Annotated[bool, typer.Option(help="Also write the PDF.")] = True,
) -> None:
    """National equity progress report: the pledge measures by ethnicity and
    deprivation, trends against the ambition, the deprivation gradient, and the
    LMNS carrying the most excess events."""
    from matequity.disclosure.policy import get
    from matequity.outputs.reports import national, render

    rep, _data = national.build(store, get(policy), period)
    console.print(f"wrote {render.write_html(rep, out / 'national_E92000001.html')}")
    if pdf:
        console.print(f"wrote {render.write_pdf(rep, out / 'national_E92000001.pdf')}")

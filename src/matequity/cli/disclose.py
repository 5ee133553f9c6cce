"""``matequity disclose``: release count tables published together under a
disclosure policy, or audit files already released."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import StatisticName, app, console, user_errors
from matequity.cli.progress import err_console
from matequity.errors import UserError


@app.command()
@user_errors
def disclose(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Count tables (CSV) published together; with --audit, released files or "
            "folders of them."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="CSV file to write (one table) or folder (several tables)."
        ),
    ] = None,
    policy: Annotated[str, typer.Option(help="nhs, opensafely, midpoint6 or ons-rates.")] = "nhs",
    by: Annotated[
        str,
        typer.Option(
            help="Breakdown columns whose 'All' rows are totals; default: any column holding 'All'."
        ),
    ] = "",
    statistic: Annotated[
        StatisticName | None,
        typer.Option(help="proportion or rate; default from each row's built-in measure."),
    ] = None,
    multiplier: Annotated[
        float | None, typer.Option(help="Multiplier, e.g. 1000; default from each row's measure.")
    ] = None,
    organisations: Annotated[
        Path | None,
        typer.Option(
            help="Organisations CSV (site_code, trust_code, lmns_code, region_code): which "
            "organisation is in which. Needed to publish two levels below England together."
        ),
    ] = None,
    published: Annotated[
        list[Path],
        typer.Option(
            "--published",
            help="Files (or folders) already published that these tables sit beside (repeat).",
        ),
    ] = [],  # noqa: B006
    audit: Annotated[
        bool,
        typer.Option(
            "--audit",
            help="Attack files already released: list every count of 1-7 recoverable from "
            "them together (file, row, column); exit 1 if any.",
        ),
    ] = False,
) -> None:
    """Release count tables published together under a disclosure policy: counts
    by the policy's rule, statistics recomputed from the released counts,
    secondary suppression until no count of 1-7 is recoverable from the tables
    together; or, with --audit, attack files already released."""
    from matequity.disclosure.files import audit_files, release_files
    from matequity.disclosure.policy import get

    stat = statistic.value if statistic else None
    if audit:
        result = audit_files(inputs, organisations, stat, multiplier)
        for note in result.notes:
            err_console.print(f"note: {note}", highlight=False, soft_wrap=True)
        found = result.frame()
        if output is not None:
            from matequity.tablefiles import write_counts

            write_counts(found, output)
        if found.empty:
            console.print("no count of 1-7 is recoverable from these files together")
            return
        for f in result.findings:
            where = f"{f.table}, row {f.row}" if f.table else "not published"
            console.print(
                f"{where}, column '{f.column}': {f.value} ({f.cell}; by {f.via})",
                highlight=False,
                soft_wrap=True,
            )
        console.print(f"{len(found)} recoverable count(s)")
        raise typer.Exit(1)
    if output is None:
        raise UserError("give -o/--output: the file (or folder) to write")
    cols = [c.strip() for c in by.split(",") if c.strip()] or None
    written, released = release_files(
        inputs, output, get(policy), cols, stat, multiplier, organisations, published
    )
    for w in released.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {w}", highlight=False, soft_wrap=True)
    if released.secondary:
        console.print(
            f"{released.secondary} count(s) withheld by secondary suppression "
            f"(suppressed = 'secondary')"
        )
    for p in written:
        console.print(f"-> {p}")

"""``matequity quality``: the data-quality report of a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import (
    EngineName,
    EngineOpt,
    Grouping,
    StoreOpt,
    app,
    console,
    guard_output,
    user_errors,
)


@app.command()
@user_errors
def quality(
    store: StoreOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the CSV files.")],
    policy: Annotated[
        str | None,
        typer.Option(
            help="Disclosure policy for publication (nhs, opensafely, midpoint6); "
            "default: analyst-only, unrounded, and marked so."
        ),
    ] = None,
    birthweight_reference: Annotated[
        Path | None,
        typer.Option(
            help="LMS birthweight-for-gestation reference CSV (sex, gestation_weeks, l, m, s; "
            "M in grams), e.g. the British 1990 reference under its MRC licence. "
            "Default: an internal robust reference from the store's own data."
        ),
    ] = None,
    grouping: Annotated[Grouping, typer.Option(help="Ethnic grouping.")] = Grouping.msds,
    engine: EngineOpt = EngineName.duckdb,
) -> None:
    """Data quality by site, trust, LMNS, region and England: field validity
    (Valid/Default/Invalid/Missing), MIS safety action 2 ethnicity, plausibility
    checks, coding completeness and bounds on each group's rate for the babies
    whose group is not recorded. Writes CSVs and prints a short summary."""
    from matequity.disclosure.policy import get
    from matequity.pipeline.quality import quality_to_files
    from matequity.quality import birthweight_reference as bwref

    guard_output(out, [store], folder=True)
    pol = get(policy) if policy else None
    ref = bwref.read_lms(birthweight_reference) if birthweight_reference else None
    q, paths = quality_to_files(engine.value, store, out, pol, ref, grouping.value)
    for line in q.summary:
        console.print(line)
    console.print(f"birthweight reference: {q.birthweight_reference}")
    console.print(
        "disclosure: " + (pol.title if pol else "analyst-only, unrounded (not for publication)")
    )
    for p in paths:
        console.print(f"wrote {p}")

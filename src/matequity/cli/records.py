"""Commands on records: synth, ingest, counts, import-msds, export, reconciliation,
measures, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from matequity import vocabulary as vocab
from matequity.cli.app import (
    EngineName,
    EngineOpt,
    Grouping,
    Level,
    Period,
    StoreOpt,
    _years,
    app,
    console,
    guard_output,
    user_errors,
)
from matequity.cli.progress import steps
from matequity.errors import UserError


@app.command()
@user_errors
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the synthetic data to.")],
    years: Annotated[str, typer.Option(help="Years of birth, e.g. 2015-2024.")] = "2015-2024",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 1,
    scale: Annotated[
        float, typer.Option(help="Fraction of England's births (1 = ~600k a year).")
    ] = 1.0,
    episodes_per_year: Annotated[
        float, typer.Option(help="Injected episodes of deteriorating care per year.")
    ] = 2.0,
    defects: Annotated[
        bool, typer.Option(help="Inject a few invalid rows for ingest to quarantine.")
    ] = True,
    experience: Annotated[
        bool,
        typer.Option(
            help="Also write staff (WRES) and families' experience and the population "
            "by ethnic group (experience/)."
        ),
    ] = True,
) -> None:
    """Write a calibrated synthetic England: births, organisations, LSOA->IMD lookup
    and the ground truth (episodes, true counts, injected defects); with
    --experience, WRES, CQC survey, FFT, a survey by ethnic group and population."""
    from matequity.synth import write as w
    from matequity.synth.generate import generate

    yrs = _years(years)
    if not 0 < scale <= 2:
        raise UserError("--scale must be above 0 and at most 2")
    with steps("synth") as step:
        step("generating")
        res = generate(
            yrs, seed=seed, scale=scale, episodes_per_year=episodes_per_year, defects=defects
        )
        step("writing")
        paths = w.write(res, out, yrs, seed, scale, experience=experience)
    console.print(f"{res.births.num_rows:,} births at {len(res.organisations)} sites -> {out}")
    for k, p in paths.items():
        console.print(f"  {k}: {p}")


@app.command("ingest")
@user_errors
def ingest_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(help="Births, organisations and LSOA->IMD files (CSV or Parquet)."),
    ],
    store: Annotated[
        Path,
        typer.Option(
            "--store", help="The store (created if absent): a DuckDB file, or a folder for spark."
        ),
    ],
    engine: EngineOpt = EngineName.duckdb,
) -> None:
    """Validate and load files into the store, all or nothing; print the reconciliation."""
    from matequity.ingest.load import ingest

    for f in files:
        if f.resolve() == store.resolve():
            raise UserError(f"{f}: is the store itself; give the files to load")
    with steps("ingest") as step:
        reports = ingest(store, files, on_step=step, kind=engine.value)
    t = Table(title="Reconciliation: rows read = accepted + quarantined")
    for col in ("file", "kind", "status", "read", "accepted", "quarantined"):
        t.add_column(col, justify="right" if col in ("read", "accepted", "quarantined") else "left")
    for r in reports:
        t.add_row(
            Path(r.file).name,
            r.kind,
            r.status,
            f"{r.rows_read:,}",
            f"{r.accepted:,}",
            f"{r.quarantined:,}",
        )
    console.print(t)
    reasons = [(Path(r.file).name, k, v) for r in reports for k, v in sorted(r.by_reason.items())]
    if reasons:
        q = Table(title="Quarantined rows by reason")
        q.add_column("file")
        q.add_column("reason")
        q.add_column("rows", justify="right")
        for f, k, v in reasons:
            q.add_row(f, k, f"{v:,}")
        console.print(q)
    for r in reports:
        if r.ignored_columns:
            console.print(
                f"{Path(r.file).name}: ignored columns not in the contract: "
                f"{', '.join(r.ignored_columns)}"
            )


@app.command()
@user_errors
def counts(
    store: StoreOpt,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
    measure: Annotated[
        list[str], typer.Option("--measure", help="Measure name (repeat); default all.")
    ] = [],  # noqa: B006
    by: Annotated[
        str,
        typer.Option(help="Comma-separated breakdowns: " + ", ".join(vocab.BREAKDOWN) + "."),
    ] = "",
    level: Annotated[Level, typer.Option(help="Organisation level.")] = Level.england,
    period: Annotated[Period, typer.Option(help="Period of birth.")] = Period.year,
    grouping: Annotated[
        Grouping, typer.Option(help="Ethnic grouping: msds (default) or ons.")
    ] = Grouping.msds,
    totals: Annotated[
        bool, typer.Option(help="Add 'All' rows (margins) for each breakdown.")
    ] = False,
    org: Annotated[
        list[str], typer.Option("--org", help="Only this organisation of the level (repeat).")
    ] = [],  # noqa: B006
    engine: EngineOpt = EngineName.duckdb,
) -> None:
    """Write a tidy count table: breakdowns, then measure, numerator, denominator."""
    from matequity.pipeline.counts import counts_from_store
    from matequity.tablefiles import write_rows

    guard_output(output, [store])
    table = counts_from_store(
        engine.value,
        store,
        measures=measure,
        by=[b.strip() for b in by.split(",") if b.strip()],
        level=level.value,
        period=period.value,
        grouping=grouping.value,
        totals=totals,
        org_codes=org or None,
    )
    write_rows(table.columns, table.rows, output)
    console.print(f"{len(table.rows):,} rows -> {output}")


@app.command("import-msds")
@user_errors
def import_msds_cmd(
    input: Annotated[
        Path, typer.Argument(help="NHS England Maternity Services Monthly Statistics measures CSV.")
    ],
    dimension: Annotated[
        str, typer.Option(help="Dimension to import, e.g. EthnicCategoryMotherGroup.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Count table CSV to write.")],
    count_of: Annotated[
        str | None, typer.Option(help="Keep one Count_Of (Women, Babies, Deliveries).")
    ] = None,
) -> None:
    """Turn the published long CSV (Org_Code, Dimension, Measure, Final_value)
    into a count table."""
    from matequity.msds_import import import_msds
    from matequity.tablefiles import write_counts

    guard_output(output, [input])
    df = import_msds(input, dimension, count_of)
    write_counts(df, output)
    console.print(f"{len(df):,} rows -> {output}")


@app.command()
@user_errors
def export(
    store: Annotated[Path, typer.Option("--store", help="DuckDB store file.")],
    out: Annotated[
        Path, typer.Option("--out", help="A new or empty folder for the Spark folder store.")
    ],
) -> None:
    """Copy a DuckDB store to a Spark folder store (Parquet tables and a manifest)."""
    from matequity.pipeline.counts import export as export_store

    guard_output(out, [store], folder=True)
    with steps("export") as step:
        step("writing Parquet")
        paths = export_store(store, out)
    console.print(f"{len(paths)} tables -> {out}")


@app.command()
@user_errors
def reconciliation(
    store: StoreOpt,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the reconciliation CSV.")
    ] = None,
    engine: EngineOpt = EngineName.duckdb,
) -> None:
    """Every load's reconciliation: rows read = accepted + quarantined (aggregates only)."""
    from matequity.pipeline.counts import reconciliation_from_store
    from matequity.tablefiles import write_counts

    if output is not None:
        guard_output(output, [store])
    loads, reasons, recon = reconciliation_from_store(engine.value, store)
    t = Table(title="Loads")
    for c in ("load_id", "file_name", "kind", "rows_read", "rows_accepted", "rows_quarantined"):
        t.add_column(c)
    for r in loads.itertuples():
        t.add_row(
            str(r.load_id),
            r.file_name,
            r.kind,
            f"{r.rows_read:,}",
            f"{r.rows_accepted:,}",
            f"{r.rows_quarantined:,}",
        )
    console.print(t)
    if len(reasons):
        q = Table(title="Quarantined by reason")
        for c in ("load_id", "file_name", "reason", "rows", "description"):
            q.add_column(c)
        for r in reasons.itertuples():
            q.add_row(str(r.load_id), r.file_name, r.reason, f"{r.rows:,}", str(r.description))
        console.print(q)
    if output is not None:
        write_counts(recon, output)
        console.print(f"wrote {output}")


@app.command()
def measures(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the table of docs/data-model.md.")
    ] = False,
) -> None:
    """List the built-in measures and their definitions."""
    from matequity.measures.catalogue import MEASURES
    from matequity.measures.catalogue import markdown as as_markdown

    if markdown:
        typer.echo(as_markdown(), nl=False)
        return
    t = Table(title="Measures")
    for c in ("name", "title", "unit", "numerator", "denominator"):
        t.add_column(c)
    for m in MEASURES:
        t.add_row(m.name, m.title, m.per, m.numerator_text, m.denominator_text)
    console.print(t)


@app.command()
@user_errors
def demo(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("matequity-demo"),
    years: Annotated[str, typer.Option(help="Years of birth.")] = "2015-2024",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 20240101,
    scale: Annotated[float, typer.Option(help="Fraction of England's births.")] = 1.0,
) -> None:
    """The whole pipeline on a synthetic England: synth, ingest, counts, rates,
    data quality, the reports and an HTML summary."""
    from matequity.pipeline.demo import run

    guard_output(out, [], folder=True)
    with steps("demo") as step:
        res = run(out, _years(years), seed=seed, scale=scale, step=step)
    console.print(f"store:   {res.store}")
    console.print(f"tables:  {res.tables[0].parent} ({len(res.tables)} CSV files)")
    console.print(f"quality: {res.quality[0].parent} ({len(res.quality)} CSV files)")
    console.print(f"summary: {res.summary}")
    for p in res.reports:
        console.print(f"report:  {p}")
    if res.accounts:
        console.print(
            f"service: .venv/bin/matequity serve --store {res.store}  (then open http://127.0.0.1:8000)",
            soft_wrap=True,
        )
        console.print("demo accounts (passwords shown once; a new demo run resets them):")
        for a in res.accounts:
            org = f" {a.org_code} {a.org_name}" if a.org_code else ""
            console.print(
                f"  {a.role:<8} {a.email:<22} {a.password}{org}", highlight=False, soft_wrap=True
            )

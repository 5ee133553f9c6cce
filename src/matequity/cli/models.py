"""Commands fitting models to count tables: adjusted (stabilised & adjusted rates),
disparities (adjusted rate ratios and differences), its (interrupted time series).

Each reads a CSV count table and writes a CSV; the Python API behind each takes
and returns pandas DataFrames (docs/methods.md §10-12).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import StatisticName, app, console, user_errors
from matequity.errors import UserError


class GlmmMethod(StrEnum):
    laplace = "laplace"
    agq = "agq"


class Dispersion(StrEnum):
    poisson = "poisson"
    quasi = "quasi"
    robust = "robust"


class ItsDispersion(StrEnum):
    poisson = "poisson"
    quasi = "quasi"


def _cols(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _read(path: Path):
    from matequity.tablefiles import read_counts

    return read_counts(path)


def _write(df, output: Path) -> None:
    from matequity.tablefiles import write_counts

    write_counts(df, output)
    console.print(f"{len(df):,} rows -> {output}")


InArg = Annotated[Path, typer.Argument(help="Count table CSV (numerator, denominator).")]
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")]


@app.command()
@user_errors
def adjusted(
    input: InArg,
    output: OutOpt,
    unit: Annotated[str, typer.Option(help="Column naming the organisations (e.g. org_code).")],
    comparator: Annotated[str, typer.Option(help="Column naming each unit's comparator group.")],
    multiplier: Annotated[float, typer.Option(help="Rate multiplier, e.g. 1000.")],
    case_mix: Annotated[
        str,
        typer.Option(help="Comma-separated case-mix columns; none gives stabilised rates."),
    ] = "",
    method: Annotated[
        GlmmMethod, typer.Option(help="laplace (lme4's default) or agq (Gauss-Hermite).")
    ] = GlmmMethod.laplace,
    nagq: Annotated[int, typer.Option(help="Quadrature nodes for --method agq (2-100).")] = 9,
    bands: Annotated[
        float,
        typer.Option(
            help="Band threshold in percent: more than / up to this much lower or higher "
            "than the comparator average (10 = MBRRACE-UK 2013-15)."
        ),
    ] = 10.0,
    model: Annotated[
        Path | None, typer.Option(help="Also write the model table (fixed effects, SD) here.")
    ] = None,
) -> None:
    """Stabilised (and, with --case-mix, adjusted) rates as MBRRACE-UK publishes them:
    comparator group rate x SMR from a random-intercept logistic model, with 95%
    intervals and bands against the comparator group's average."""
    from matequity.stats.bands import MBRRACE_2013_15, symmetric_bands
    from matequity.stats.stabilised import stabilised_rates

    if not 0 < bands < 100:
        raise UserError("--bands: expected a percentage between 0 and 100")
    scheme = MBRRACE_2013_15 if bands == 10 else symmetric_bands(bands)
    df = _read(input)
    res = stabilised_rates(
        df,
        unit,
        comparator,
        _cols(case_mix),
        multiplier,
        method=method.value,
        nagq=nagq,
        bands=scheme,
    )
    _write(res.units, output)
    if model:
        _write(res.model, model)
    console.print(
        f"organisation SD {res.fit.sd:.4f} (log-odds), {res.fit.label}, "
        f"log-likelihood {res.fit.loglik:.3f}"
    )


@app.command()
@user_errors
def disparities(
    input: InArg,
    output: OutOpt,
    by: Annotated[str, typer.Option(help="Column holding the groups (e.g. ethnic_group).")],
    reference: Annotated[str, typer.Option(help="Reference group, e.g. White.")],
    adjust: Annotated[
        str, typer.Option(help="Comma-separated columns to adjust for, e.g. imd_quintile,age_band.")
    ] = "",
    multiplier: Annotated[
        float | None, typer.Option(help="Multiplier, e.g. 1000; default from each row's measure.")
    ] = None,
    statistic: Annotated[
        StatisticName | None,
        typer.Option(help="rate or proportion (with --multiplier; default rate)."),
    ] = None,
    dispersion: Annotated[
        Dispersion, typer.Option(help="poisson, quasi (Pearson) or robust (sandwich).")
    ] = Dispersion.poisson,
) -> None:
    """Crude and adjusted rate ratios (Poisson regression) and rate differences
    (marginal standardisation, delta-method intervals) against a reference group,
    and the share of each gap the adjustment accounts for."""
    from matequity.stats.disparities import disparities as compute

    stat = statistic.value if statistic else ("rate" if multiplier else None)
    df = _read(input)
    _write(compute(df, by, reference, _cols(adjust), stat, multiplier, dispersion.value), output)


@app.command()
@user_errors
def its(
    input: InArg,
    output: OutOpt,
    intervention: Annotated[str, typer.Option(help="First month of the intervention, YYYY-MM.")],
    time: Annotated[str, typer.Option(help="Column of months, YYYY-MM.")] = "month",
    by: Annotated[str | None, typer.Option("--by", help="Column holding the groups.")] = None,
    reference: Annotated[
        str | None, typer.Option(help="Reference group for the gap models.")
    ] = None,
    multiplier: Annotated[
        float | None,
        typer.Option(help="Multiplier of the fitted rates; default from each row's measure."),
    ] = None,
    dispersion: Annotated[
        ItsDispersion, typer.Option(help="poisson, or quasi (SEs x Pearson dispersion).")
    ] = ItsDispersion.poisson,
    seasonality: Annotated[
        int, typer.Option(help="Fourier pairs of the calendar month (0 = none, up to 6).")
    ] = 0,
) -> None:
    """Interrupted time series: the level change and the yearly slope change at the
    intervention for each group, and for each group against the reference (did the
    gap narrow?), by segmented Poisson regression with the births as offset."""
    from matequity.stats.its import its as compute

    df = _read(input)
    _write(
        compute(
            df,
            time,
            intervention,
            by,
            reference,
            None,
            multiplier,
            dispersion.value,
            seasonality,
        ),
        output,
    )

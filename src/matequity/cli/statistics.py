"""Commands on count tables: rates, dsr, isr, funnel, compare, inequality, trend, power.

Each reads a CSV count table and writes a CSV that keeps the input columns and
adds results; the Python API behind each takes and returns pandas DataFrames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import Confidence, StatisticName, app, console, user_errors
from matequity.errors import UserError


@app.command()
@user_errors
def rates(
    input: Annotated[
        Path,
        typer.Argument(
            help="Count table CSV (numerator, denominator; or observed, expected for ratios)."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
    statistic: Annotated[
        StatisticName | None,
        typer.Option(help="proportion, rate or ratio; default from each row's measure."),
    ] = None,
    multiplier: Annotated[
        float | None,
        typer.Option(
            help="Multiplier (e.g. 1000); default from each row's measure, else 100 for a "
            "proportion, 1,000 for a rate and 1 for a ratio."
        ),
    ] = None,
    confidence: Annotated[Confidence, typer.Option(help="95, 99.8 or both.")] = Confidence.c95,
) -> None:
    """Add value and confidence limits: Wilson for proportions, exact Poisson (<10
    events) or Byar's for rates and ratios, as PHEindicatormethods."""
    from matequity.stats.frames import measure_settings
    from matequity.stats.rates import add_rates
    from matequity.tablefiles import read_counts, write_counts

    is_ratio = statistic == StatisticName.ratio
    cols = ("observed", "expected") if is_ratio else ("numerator", "denominator")
    df = read_counts(input, required=cols)
    stat, mult, _better = measure_settings(df, statistic.value if statistic else None, multiplier)
    levels = {"95": ("95",), "99.8": ("99_8",), "both": ("95", "99_8")}[confidence.value]
    out = add_rates(df, stat, mult, levels=levels, numerator=cols[0], denominator=cols[1])
    write_counts(out, output)
    used = ", ".join(sorted({f"{s} x {m:,g}" for s, m in zip(stat, mult, strict=True)}))
    console.print(f"{len(out):,} rows ({used}) -> {output}")


def _read(path: Path, cols: tuple[str, ...] = ("numerator", "denominator")):
    from matequity.tablefiles import read_counts

    return read_counts(path, required=cols)


def _write(df, output: Path) -> None:
    from matequity.tablefiles import write_counts

    write_counts(df, output)
    console.print(f"{len(df):,} rows -> {output}")


def _cols(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


ByOpt = Annotated[str, typer.Option("--by", help="Column holding the groups.")]
StatOpt = Annotated[
    StatisticName | None,
    typer.Option(help="proportion or rate; default from each row's built-in measure."),
]
MultOpt = Annotated[
    float | None, typer.Option(help="Multiplier, e.g. 1000; default from each row's measure.")
]
BetterOpt = Annotated[
    bool | None,
    typer.Option(
        "--higher-is-better/--lower-is-better",
        help="Polarity; default from the measure (mortality: lower is better).",
    ),
]
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")]
InArg = Annotated[Path, typer.Argument(help="Count table CSV.")]


@app.command()
@user_errors
def dsr(
    input: InArg,
    output: OutOpt,
    by: Annotated[str, typer.Option(help="Comma-separated columns to standardise within.")] = "",
    standard: Annotated[
        str, typer.Option(help="esp2013 or a CSV (age_band, standard_population).")
    ] = "esp2013",
    multiplier: Annotated[float, typer.Option(help="Rate multiplier.")] = 100_000,
    confidence: Annotated[Confidence, typer.Option(help="95, 99.8 or both.")] = Confidence.c95,
    band: Annotated[str, typer.Option(help="Column holding the age band.")] = "age_band",
) -> None:
    """Directly standardised rates (Dobson method) from long input: one row per
    group and age band, with numerator and denominator."""
    import pandas as pd

    from matequity.stats.dsr import dsr as compute

    df = _read(input)
    if band not in df.columns:
        raise UserError(f"{input}: no '{band}' column")
    std: str | pd.DataFrame = standard
    if standard != "esp2013":
        std = pd.read_csv(standard)
    levels = {"95": ("95",), "99.8": ("99_8",), "both": ("95", "99_8")}[confidence.value]
    _write(compute(df, _cols(by), std, multiplier, levels, band), output)


@app.command()
@user_errors
def isr(
    input: InArg,
    output: OutOpt,
    stratum: Annotated[str, typer.Option(help="Column of the strata.")] = "age_band",
    by: Annotated[str, typer.Option(help="Comma-separated columns of the units compared.")] = "",
    reference: Annotated[
        Path | None,
        typer.Option(
            help="CSV of reference rates (stratum, ref_numerator, ref_denominator); "
            "default: all rows pooled."
        ),
    ] = None,
    rate_multiplier: Annotated[
        float | None, typer.Option(help="Also give the indirectly standardised rate, per this.")
    ] = None,
    refvalue: Annotated[float, typer.Option(help="Ratio scale: 1, or 100 for an SMR x 100.")] = 1.0,
) -> None:
    """Indirectly standardised ratios (observed/expected) and rates."""
    import pandas as pd

    from matequity.stats.isr import isr as compute

    df = _read(input)
    ref = pd.read_csv(reference) if reference else None
    _write(compute(df, _cols(by), stratum, ref, refvalue, rate_multiplier, ("95", "99_8")), output)


@app.command()
@user_errors
def funnel(
    input: InArg,
    output: OutOpt,
    unit: Annotated[str, typer.Option(help="Column naming the units.")] = "org_code",
    statistic: Annotated[
        StatisticName | None,
        typer.Option(
            help="proportion, rate or ratio (observed/expected); default from the table's "
            "built-in measure (one measure)."
        ),
    ] = None,
    multiplier: Annotated[
        float | None,
        typer.Option(
            help="Multiplier for values and limits; default the measure's, else 100 for a "
            "proportion, 1,000 for a rate and 1 for a ratio."
        ),
    ] = None,
    overdispersion: Annotated[
        str, typer.Option(help="none, phi (multiplicative) or tau2 (additive random effects).")
    ] = "none",
    curve: Annotated[Path | None, typer.Option(help="Also write the limit curves here.")] = None,
) -> None:
    """Funnel plot limits at each unit's own denominator, positions (above,
    within, below) at 95% and 99.8%, and the dispersion estimates."""
    from matequity.stats.frames import single_setting
    from matequity.stats.funnel import curve as make_curve
    from matequity.stats.funnel import funnel as compute

    if overdispersion not in ("none", "phi", "tau2"):
        raise UserError("--overdispersion must be none, phi or tau2")
    cols = (
        ("observed", "expected")
        if statistic == StatisticName.ratio
        else ("numerator", "denominator")
    )
    df = _read(input, cols)
    if unit not in df.columns:
        raise UserError(f"{input}: no unit column '{unit}' (give --unit)")
    stat, multiplier = single_setting(df, statistic.value if statistic else None, multiplier)
    if stat == "ratio" and statistic is None:
        raise UserError("a ratio funnel reads observed and expected: give --statistic ratio")
    out, disp = compute(df, stat, multiplier, overdispersion)  # type: ignore[arg-type]
    _write(out, output)
    console.print(
        f"dispersion: phi = {disp.phi:.4f}, tau2 = {disp.tau2:.6g} "
        f"({disp.n_used} of {disp.n_units} units; z-scores {disp.trimming})"
    )
    if curve:
        target = float(out["target"].iloc[0]) / multiplier
        _write(
            make_curve(stat, float(df[cols[1]].max()), target, multiplier, overdispersion, disp),  # type: ignore[arg-type]
            curve,
        )


@app.command()
@user_errors
def compare(
    input: InArg,
    output: OutOpt,
    by: ByOpt,
    reference: Annotated[str, typer.Option(help="A group name, or 'best'.")] = "best",
    min_events: Annotated[int, typer.Option(help="Events a group needs to be 'best'.")] = 10,
    statistic: StatOpt = None,
    multiplier: MultOpt = None,
    higher_is_better: BetterOpt = None,
) -> None:
    """Each group against a reference: rate ratio and difference with 95% CIs,
    excess events and their share of all events."""
    from matequity.stats.compare import compare as compute

    df = _read(input)
    _write(
        compute(
            df,
            by,
            reference,
            min_events,
            statistic.value if statistic else None,
            multiplier,
            higher_is_better,
        ),
        output,
    )


@app.command()
@user_errors
def inequality(
    input: InArg,
    output: OutOpt,
    by: ByOpt,
    ordered: Annotated[
        bool | None,
        typer.Option(
            "--ordered/--unordered",
            help="Ordered dimension (IMD) or not (ethnic group); default ordered for "
            "imd_decile and imd_quintile, else unordered.",
        ),
    ] = None,
    reference: Annotated[
        str | None, typer.Option(help="Reference group for MDR and PAF (unordered).")
    ] = None,
    statistic: StatOpt = None,
    multiplier: MultOpt = None,
    higher_is_better: BetterOpt = None,
    seed: Annotated[int, typer.Option(help="Seed for the simulation intervals.")] = 1,
) -> None:
    """Summary measures of inequality: gaps, SII/RII (PHE and WHO), concentration
    indices (ordered); variance, disparity, mean differences, Theil, MLD
    (unordered); PAF and PAR (both)."""
    from matequity.stats.frames import ordered_breakdown
    from matequity.stats.inequality.table import inequality as compute

    df = _read(input)
    _write(
        compute(
            df,
            by,
            ordered_breakdown(by, ordered),
            reference,
            statistic.value if statistic else None,
            multiplier,
            higher_is_better,
            seed,
        ),
        output,
    )


@app.command()
@user_errors
def trend(
    input: InArg,
    output: OutOpt,
    time: Annotated[
        str, typer.Option(help="Column of periods: 2024, '2024 Q1' or 2024-01.")
    ] = "period",
    by: Annotated[str | None, typer.Option("--by", help="Column holding the groups.")] = None,
    reference: Annotated[str | None, typer.Option(help="Group to test gaps against.")] = None,
    statistic: StatOpt = None,
    multiplier: MultOpt = None,
) -> None:
    """Annual percentage change per group, whether gaps are narrowing, and the
    distance to the national ambition with a projection."""
    from matequity.stats.trend import trend as compute

    df = _read(input)
    _write(
        compute(df, time, by, reference, statistic.value if statistic else None, multiplier), output
    )


@app.command()
@user_errors
def power(
    input: InArg,
    output: OutOpt,
    by: Annotated[
        str | None, typer.Option("--by", help="Column holding the groups (for gaps).")
    ] = None,
    reference: Annotated[
        str | None, typer.Option(help="Reference group for gap narrowing.")
    ] = None,
    narrowing: Annotated[float, typer.Option(help="Fraction of the excess that closes.")] = 0.5,
    time: Annotated[
        str, typer.Option(help="Column of periods, used to count years of data.")
    ] = "period",
    years_of_data: Annotated[
        float | None, typer.Option(help="Years the counts cover, if there is no period column.")
    ] = None,
) -> None:
    """Smallest change detectable with 80% power at 5% over 1, 3 and 5 years, and
    (with --by/--reference) years of data needed to detect a gap narrowing."""
    from matequity.stats.power_table import power_table

    df = _read(input)
    _write(power_table(df, by, reference, narrowing, time, years_of_data), output)

"""``matequity experience ...``: staff experience (WRES), families' experience
(CQC maternity survey, Friends and Family Test, a trust's own survey or
complaints by ethnic group) and the community profile (births beside the
resident population). CSV in, released CSV out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import EngineName, EngineOpt, StoreOpt, app, console, user_errors

experience_app = typer.Typer(
    help="Experience beside outcomes: staff (WRES), families, and the community served.",
    no_args_is_help=True,
)
app.add_typer(experience_app, name="experience")

OutOpt = Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")]
PolicyOpt = Annotated[
    str,
    typer.Option(
        help="Disclosure policy: nhs, opensafely, midpoint6, or none (analyst-only, unrounded)."
    ),
]
PeriodOpt = Annotated[
    str | None, typer.Option(help="A period (YYYY) or years YYYY:YYYY; default the latest.")
]
OrgOpt = Annotated[
    list[str], typer.Option("--org", help="Organisation code to keep (repeat); default all.")
]


class Source(StrEnum):
    cqc = "cqc"
    fft = "fft"
    counts = "counts"


def _policy(name: str):
    from matequity.disclosure.policy import get

    return None if name == "none" else get(name)


def _write(df, path: Path) -> None:
    from matequity.tablefiles import write_counts

    write_counts(df, path)
    console.print(f"{len(df):,} rows -> {path}")


@experience_app.command("wres")
@user_errors
def wres_cmd(
    input: Annotated[
        Path,
        typer.Argument(
            help="WRES CSV: org_code, period, indicator (1-9), group (White/BME/Unknown), "
            "numerator, denominator; band for indicators 1 and 9."
        ),
    ],
    output: OutOpt,
    trend: Annotated[
        Path | None, typer.Option(help="Also write whether each gap narrowed (CSV).")
    ] = None,
    org: OrgOpt = [],  # noqa: B006
    period: PeriodOpt = None,
    policy: PolicyOpt = "nhs",
) -> None:
    """The nine WRES indicators with 95% intervals (Wilson; log-scale Katz for
    relative likelihoods), the gap, which group it favours as the WRES technical
    guidance reads it, and whether it narrowed."""
    from matequity.experience.analysis import staff_experience
    from matequity.experience.wres_format import read_wres

    res = staff_experience(read_wres(input), org or None, period, _policy(policy))
    _write(res.indicators, output)
    if trend:
        _write(res.trend, trend)


@experience_app.command("family")
@user_errors
def family_cmd(
    input: Annotated[
        Path,
        typer.Argument(
            help="cqc: org_code, period, question_id, score, expected_lower, expected_upper; "
            "fft: org_code, period (YYYY-MM), touchpoint, positive, responses; counts: "
            "org_code, period, ethnic_group, measure, numerator, denominator."
        ),
    ],
    output: OutOpt,
    source: Annotated[Source, typer.Option(help="cqc, fft or counts.")],
    trend: Annotated[
        Path | None, typer.Option(help="Also write the trends (fft, counts) or the summary (cqc).")
    ] = None,
    national: Annotated[
        Path | None,
        typer.Option(
            help="cqc: national results by ethnic group (period, question_id, ethnic_group, "
            "score); written beside OUTPUT as *_national.csv."
        ),
    ] = None,
    higher_is_better: Annotated[
        bool,
        typer.Option(
            "--higher-is-better/--lower-is-better",
            help="counts: polarity (lower for complaints).",
        ),
    ] = True,
    org: OrgOpt = [],  # noqa: B006
    period: PeriodOpt = None,
    policy: PolicyOpt = "nhs",
) -> None:
    """Families' experience: CQC survey scores against their expected ranges (CQC
    gives ethnicity only nationally: the output says so), FFT percentage
    positive with Wilson intervals and trend, or percentages by ethnic group
    with gaps to the best group and their trends."""
    from matequity.experience import family_format as ff
    from matequity.experience.analysis import family_experience

    pol = _policy(policy)
    orgs = org or None
    if source == Source.cqc:
        nat = ff.read_cqc_national(national) if national else None
        res = family_experience(
            cqc=ff.read_cqc_survey(input),
            cqc_national=nat,
            org_codes=orgs,
            period=period,
            policy=pol,
        )
        _write(res.cqc, output)
        if res.cqc_national is not None:
            _write(res.cqc_national, output.with_name(output.stem + "_national.csv"))
        if trend:
            _write(res.cqc_summary, trend)
    elif source == Source.fft:
        res = family_experience(fft=ff.read_fft(input), org_codes=orgs, period=period, policy=pol)
        _write(res.fft, output)
        if trend:
            _write(res.fft_trend, trend)
    else:
        res = family_experience(
            counts=ff.read_family_counts(input),
            org_codes=orgs,
            period=period,
            policy=pol,
            higher_is_better=higher_is_better,
        )
        _write(res.by_group, output)
        if trend:
            _write(res.by_group_trend, trend)
    for n in res.notes:
        console.print(n)


@experience_app.command("population")
@user_errors
def population_cmd(
    population: Annotated[
        Path,
        typer.Argument(
            help="ONS population CSV: org_code, period, ethnic_group, population "
            "(optional population_group: All residents / Women aged 15-44)."
        ),
    ],
    births: Annotated[
        Path,
        typer.Option(
            help="Births by org_code, period, ethnic_group: a 'births' column, or a count "
            "table from 'matequity counts --by ethnic_group' (the measure's denominator)."
        ),
    ],
    output: OutOpt,
    measure: Annotated[
        str, typer.Option(help="Count table measure whose denominator is births.")
    ] = "stillbirth",
    population_group: Annotated[
        str | None,
        typer.Option(help="All residents or Women aged 15-44 (default: women if given)."),
    ] = None,
    org: OrgOpt = [],  # noqa: B006
    period: PeriodOpt = None,
    policy: PolicyOpt = "nhs",
) -> None:
    """Who the services reach: each group's share of births (Wilson interval)
    beside its share of the resident population, the ratio and difference, and
    births per 1,000 residents."""
    from matequity.experience.analysis import community_profile
    from matequity.experience.population import read_births, read_population

    res = community_profile(
        read_births(births, measure),
        read_population(population),
        org or None,
        period,
        _policy(policy),
        population_group,
    )
    _write(res.table, output)


@experience_app.command("load")
@user_errors
def load_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="WRES, CQC survey, CQC national, FFT, family survey or population CSVs."
        ),
    ],
    store: StoreOpt,
    engine: EngineOpt = EngineName.duckdb,
) -> None:
    """Load experience tables into the store (one write; the same organisation and
    period replace earlier rows), for the reports and the dashboard."""
    from matequity.experience.store import load

    for r in load(engine.value, store, files):
        console.print(f"{r.path.name}: {r.source}, {r.status} ({r.rows:,} rows)")

"""``matequity signals ...``: MOSS CUSUM, thresholds, excess events, the signal
register; and ``matequity spc``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matequity.cli.app import (
    EngineName,
    EngineOpt,
    StoreOpt,
    app,
    console,
    guard_output,
    user_errors,
)
from matequity.cli.chart_options import (
    AnnotateOpt,
    AnnotationsOpt,
    ChartKind,
    YearChangeName,
    chart_annotations,
)
from matequity.errors import UserError

signals_app = typer.Typer(
    help="Safety signals: the MOSS CUSUM, its thresholds, excess events and the signal register.",
    no_args_is_help=True,
)
app.add_typer(signals_app, name="signals")


@signals_app.command("moss")
@user_errors
def moss_cmd(
    table: Annotated[
        Path,
        typer.Argument(
            help="Monthly CSV: site_code, month (YYYY-MM), events, and expected or births "
            "(term births; optional reference_rate column)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV, one row per site-month.")],
    reference_rate: Annotated[
        float | None,
        typer.Option(help="National reference rate per term birth (default: from the table)."),
    ] = None,
    reference_rates: Annotated[
        Path | None,
        typer.Option(
            help="CSV of reference rates by site (site_code, year, ref_rate), as MOSS since "
            "February 2026; default England's rate over the three previous years."
        ),
    ] = None,
    year_change: Annotated[
        YearChangeName,
        typer.Option(
            help="How the CUSUM crosses a new year's thresholds: carry (MOSS's repository) or "
            "regrid (snapped onto the new grid, as a later MOSS version)."
        ),
    ] = YearChangeName.carry,
    summary: Annotated[
        Path | None, typer.Option(help="Also write signals in the last 6 and 12 months per site.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(help="Also draw one site's chart to this .svg, .png or .html (see --site)."),
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(help="The site drawn by --plot (default: the first with a chart)."),
    ] = None,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
) -> None:
    """The MOSS chart per site and month: expected, k, h1, h2, cusum, level, reset."""
    from matequity.signals.moss import moss, signal_summary
    from matequity.signals.reference_rates import read_site_rates
    from matequity.tablefiles import read_counts, write_counts

    marks = chart_annotations(annotate, annotations)
    rates = read_site_rates(reference_rates) if reference_rates else None
    df = read_counts(table, required=("events",))
    try:
        chart = moss(
            df,
            reference_rate,
            site_rates=rates,
            year_change=year_change.value,
            rates_source=str(reference_rates),
        )
    except UserError as exc:  # name the file
        raise UserError(f"{table}: {exc}") from None
    if plot:
        from matequity.outputs.charts.moss import cusum_chart
        from matequity.outputs.charts.write import write_chart

        sites = sorted(chart.loc[chart["level"].notna(), "site_code"].unique())
        if not sites:
            raise UserError("--plot: no site has a chart (no expected count in any month)")
        drawn = site if site is not None else sites[0]
        if drawn not in sites:
            raise UserError(f"--site {drawn}: not a site with a chart in the table")
        write_chart(cusum_chart(chart, drawn, annotations=marks), plot)
    write_counts(chart, out)
    n1, n2 = int((chart["level"] == 1).sum()), int((chart["level"] == 2).sum())
    console.print(
        f"{chart['site_code'].nunique()} sites, {chart['month'].nunique()} months: "
        f"{n1} level-1 and {n2} level-2 site-months; wrote {out}"
    )
    if summary:
        write_counts(signal_summary(chart), summary)
        console.print(f"wrote {summary}")
    if plot:
        console.print(f"wrote {plot}")


@signals_app.command("thresholds")
@user_errors
def thresholds_cmd(
    mu0: Annotated[float, typer.Option("--mu0", help="Expected events per month.")],
    arl: Annotated[
        list[float] | None,
        typer.Option("--arl", help="In-control ARL target(s) in months (default 20 and 100)."),
    ] = None,
    k: Annotated[
        float | None, typer.Option(help="Reference value (default MOSS's: doubling, 0.01).")
    ] = None,
) -> None:
    """k, h, the grid denominator and the achieved in-control ARL (CUSUMdesign getH
    as MOSS calls it)."""
    from matequity.errors import UserError
    from matequity.signals.thresholds import ThresholdError, get_h, reference_value

    if mu0 <= 0:
        raise UserError("--mu0 must be > 0")
    m = round(mu0, 2)
    k0 = round(reference_value(m), 2) if k is None else k
    for target in arl or [20.0, 100.0]:
        try:
            d = get_h(m, k0, float(target))
        except ThresholdError as e:
            raise UserError(str(e)) from None
        console.print(
            f"mu0 {m:g}  ARL target {target:g}: k = {d.k:.6f}  grid 1/{d.d}  "
            f"h = {d.h:.6f}  in-control ARL = {d.arl0:.2f}"
        )


@signals_app.command("vlad")
@user_errors
def vlad_cmd(
    events: Annotated[Path, typer.Argument(help="Daily CSV: site_code, date, events.")],
    chart: Annotated[Path, typer.Option("--chart", help="The output of 'signals moss'.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV, one row per site-day.")],
) -> None:
    """The excess-events chart: daily cumulative observed minus expected, never reset."""
    from matequity.signals.vlad import vlad
    from matequity.tablefiles import read_counts, write_counts

    ev = read_counts(events, required=("events",))
    ch = read_counts(chart, required=("expected",))
    write_counts(vlad(ev, ch), out)
    console.print(f"wrote {out}")


@app.command("spc")
@user_errors
def spc_cmd(
    table: Annotated[
        Path,
        typer.Argument(
            help="CSV (optional series_id: one chart each). xmr: date, value. g: date, "
            "births_between (one row per event) or date, events, births (one row per day). "
            "t: date (one row per event), date, events, or date, time_between."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV, one row per point.")],
    chart: Annotated[
        ChartKind,
        typer.Option(
            help="xmr (values), g (births between events) or t (time between events): the "
            "g- and t-charts are for rare events."
        ),
    ] = ChartKind.xmr,
    improvement: Annotated[
        str,
        typer.Option(
            help="increase, decrease or neutral: which way is better (g and t: longer gaps "
            "between harmful events are better, so increase)."
        ),
    ] = "increase",
    target: Annotated[float | None, typer.Option(help="Target, for the assurance type.")] = None,
    rebase: Annotated[
        str | None, typer.Option(help="Comma-separated dates where limits are recalculated.")
    ] = None,
    fix_after: Annotated[
        int | None, typer.Option(help="Fix the limits after this many points (>= 12).")
    ] = None,
    no_screen_outliers: Annotated[
        bool, typer.Option("--no-screen-outliers", help="Keep large moving ranges (Excel tool).")
    ] = False,
    annotate: AnnotateOpt = None,
    annotations: AnnotationsOpt = None,
    rebase_at_annotations: Annotated[
        bool,
        typer.Option(
            "--rebase-at-annotations",
            help="Recalculate the limits at every annotation (else only at those whose "
            "rebase column is true).",
        ),
    ] = False,
    plot: Annotated[
        Path | None, typer.Option(help="Also draw the chart to this .svg, .png or .html file.")
    ] = None,
    series: Annotated[
        str | None, typer.Option(help="The series_id drawn by --plot (default: the first).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Chart title (default: the file name).")] = None,
) -> None:
    """Making Data Count SPC chart (XmR, or the g- and t-charts for rare events):
    limits, special-cause rules, point, variation and assurance types (as
    NHSRplotthedots; g and t limits as qicharts2)."""
    import pandas as pd

    from matequity.outputs.charts.annotations import rebase_dates
    from matequity.spc.between_events import chart_values
    from matequity.spc.chart import spc
    from matequity.tablefiles import read_counts, write_counts

    if plot:
        from matequity.outputs.charts.write import check_path

        check_path(plot)
    marks = chart_annotations(annotate, annotations, rebase_at_annotations)
    required = ("value",) if chart == ChartKind.xmr else ()
    df = chart_values(pd.DataFrame(read_counts(table, required=required, counts=False)), chart)
    dates = [d.strip() for d in rebase.split(",")] if rebase else []
    dates = sorted(set(dates) | set(rebase_dates(marks)))
    res = spc(df, improvement, target, dates, fix_after, not no_screen_outliers, chart.value)
    if plot:
        from matequity.outputs.charts.spc import spc_chart
        from matequity.outputs.charts.write import write_chart

        pts = res
        if "series_id" in res.columns:
            ids = sorted(res["series_id"].astype(str).unique())
            pick = series if series is not None else ids[0]
            if pick not in ids:
                raise UserError(f"--series {pick}: not a series_id in the table")
            pts = res[res["series_id"].astype(str) == pick]
        what = {"xmr": "value", "g": "births between events", "t": "days between events"}
        name = title or table.stem
        write_chart(
            spc_chart(
                pts,
                name,
                what[chart.value],
                target,
                marks,
                "Month" if chart == ChartKind.xmr else "Date of event",
            ),
            plot,
        )
    write_counts(res, out)
    last = res.groupby(res["series_id"] if "series_id" in res else [0] * len(res)).tail(1)
    for r in last.itertuples():
        console.print(
            f"{getattr(r, 'series_id', 'series')}: variation {r.variation_type}, "
            f"assurance {r.assurance_type or 'n/a'}"
            + ("  (12 points or fewer: trial limits)" if r.short_series_warning else "")
        )
    if plot:
        console.print(f"wrote {plot}")
    console.print(f"wrote {out}")


def _as_of(text: str | None, option: str = "--as-of"):
    import datetime as dt

    from matequity.errors import UserError

    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} {text!r}: expected a date YYYY-MM-DD") from None


DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Service database URL holding the register (default: SQLite next to the store).",
    ),
]
NotifyOpt = Annotated[
    Path | None,
    typer.Option(
        "--notify-config",
        help="TOML file with SMTP/webhook settings (or MATEQUITY_SMTP_* variables).",
    ),
]


def _service(store: Path, engine: EngineName, database: str | None):
    from matequity.errors import UserError
    from matequity.signals.workflow import open_service

    if not store.exists():
        raise UserError(f"{store}: no such store")
    svc = open_service(store, engine.value, database)
    if svc.imported.signals or svc.imported.events:
        console.print(
            f"moved the store's register into {svc.db.display_url}: "
            f"{svc.imported.signals} signal(s), {svc.imported.events} event(s)"
        )
    return svc


def _print_notified(res) -> None:
    for line in res.skipped:
        console.print(line)
    if res.sent or res.failed or res.already:
        console.print(
            f"notifications: {res.sent} sent, {res.failed} failed, {res.already} already sent"
        )


@signals_app.command("run")
@user_errors
def run_cmd(
    store: StoreOpt,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for moss.csv, summary and vlad.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Notification date of new signals (default today).")
    ] = None,
    reference_rate: Annotated[
        float | None, typer.Option(help="National reference rate (default: England's, 3 years).")
    ] = None,
    reference_rates: Annotated[
        Path | None,
        typer.Option(help="CSV of reference rates by site (site_code, year, ref_rate)."),
    ] = None,
    year_change: Annotated[
        YearChangeName, typer.Option(help="carry (MOSS's repository) or regrid.")
    ] = YearChangeName.carry,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
    notify_config: NotifyOpt = None,
    notify: Annotated[
        bool,
        typer.Option("--notify/--no-notify", help="Email the trusts' users about new signals."),
    ] = True,
) -> None:
    """Run MOSS on the store and add new signals to the register (idempotent);
    email the trust's users about each new signal."""
    from matequity import audit
    from matequity.notify import config
    from matequity.signals import workflow
    from matequity.signals.reference_rates import read_site_rates

    if out is not None:
        guard_output(out, [store], folder=True)
    detected = _as_of(as_of)
    rates = read_site_rates(reference_rates) if reference_rates else None
    cfg = config.load(notify_config) if notify else None
    svc = _service(store, engine, database)
    res = workflow.run(
        svc,
        detected,
        reference_rate,
        out,
        cfg,
        site_rates=rates,
        year_change=year_change.value,
        rates_source=str(reference_rates),
    )
    if res.written:
        console.print(f"wrote {out}/moss.csv, moss_summary.csv, excess_events.csv")
    r = res.result
    if r.new:
        audit.record(svc.db, "cli", "signals_registered", None, {"new": r.new, "as_of": detected})
    console.print(
        f"{r.new} new signal(s) registered (notified {detected}); "
        f"{r.already} already in the register ({svc.db.display_url})"
    )
    if notify and r.new:
        _print_notified(res.notified)


@signals_app.command("remind")
@user_errors
def remind_cmd(
    store: StoreOpt,
    as_of: Annotated[str | None, typer.Option(help="Today's date (default today).")] = None,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
    notify_config: NotifyOpt = None,
) -> None:
    """Remind the trust's users before a check's due date and the trust's and
    LMNS's users after it (each reminder once: safe to run from cron daily)."""
    from matequity.notify import config
    from matequity.signals import workflow

    today = _as_of(as_of)
    svc = _service(store, engine, database)
    res = workflow.remind(svc, today, config.load(notify_config))
    _print_notified(res)
    console.print(f"reminders for {today}: {res.sent} sent, {res.already} already sent")


@signals_app.command("list")
@user_errors
def list_cmd(
    store: StoreOpt,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. open.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write a CSV.")] = None,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
) -> None:
    """The signal register: site, month, level, first detected, due date, status."""
    from rich.table import Table

    from matequity.analyses.export import csv_text
    from matequity.signals import register

    svc = _service(store, engine, database)
    df = register.listing(svc.db)
    if status:
        df = df[df["status"] == status]
    t = Table(title=f"Signal register ({len(df)})")
    cols = ("signal_id", "level", "first_detected", "due_date", "status", "checks", "overdue")
    for c in cols:
        t.add_column(c)
    for r in df.itertuples():
        t.add_row(*(str(getattr(r, c)) for c in cols))
    console.print(t)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(csv_text(df), encoding="utf-8")


@signals_app.command("check")
@user_errors
def check_cmd(
    store: StoreOpt,
    signal: Annotated[str, typer.Option("--id", help="Signal id (see 'signals list').")],
    status: Annotated[
        str, typer.Option(help="check_recorded, in_progress, escalated or closed.")
    ] = "check_recorded",
    by: Annotated[str, typer.Option(help="Who carried out the check / is recording this.")] = "",
    findings: Annotated[str | None, typer.Option(help="What the check found.")] = None,
    actions: Annotated[str | None, typer.Option(help="Actions taken.")] = None,
    outcome: Annotated[
        str | None, typer.Option(help="assured, assured_with_actions or not_assured.")
    ] = None,
    escalated: Annotated[
        bool, typer.Option("--escalated", help="The check escalated to the LMNS/region.")
    ] = False,
    date: Annotated[str | None, typer.Option(help="Date of the check (default today).")] = None,
    engine: EngineOpt = EngineName.duckdb,
    database: DatabaseOpt = None,
) -> None:
    """Record the critical safety check (or a status change: in progress,
    escalated, closed) of a signal. Every submission is kept; closing needs a
    recorded check."""
    from matequity import audit
    from matequity.signals import register

    svc = _service(store, engine, database)
    if status == "check_recorded":
        check = register.Check(
            by, _as_of(date, "--date"), findings or "", actions or "", outcome or "", escalated
        )
        res = register.record_check(svc.db, signal, check, by.strip() or "cli")
        audit.record(
            svc.db,
            by.strip() or "cli",
            "check_recorded",
            signal,
            {"check_no": res.check_no, "via": "cli"},
        )
        console.print(f"{signal}: check {res.check_no} recorded by {by} (event {res.event_no})")
        return
    n = register.record(svc.db, signal, status, by, actions)
    audit.record(svc.db, by.strip(), "status_recorded", signal, {"status": status, "via": "cli"})
    console.print(f"{signal}: {status} recorded by {by} (event {n})")


@signals_app.command("equity")
@user_errors
def equity_cmd(
    table: Annotated[
        Path,
        typer.Argument(
            help="CSV: org_code, a group column, month, events, births (All rows optional)."
        ),
    ],
    by: Annotated[str, typer.Option(help="The group column, e.g. ethnic_group or imd_quintile.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV.")],
    multiple: Annotated[
        float, typer.Option(help="Rise in the group's rate ratio to detect (the gap widening).")
    ] = 1.5,
) -> None:
    """Equity signals (matequity's own): a CUSUM per group of its events against the
    other babies' rate that month times the group's baseline gap."""
    from matequity.signals.equity import equity_signals
    from matequity.stats.frames import UNKNOWN_GROUPS
    from matequity.tablefiles import read_counts, write_counts

    df = read_counts(table, required=("events", "births"))
    res = equity_signals(df, by, multiple, frozenset(UNKNOWN_GROUPS))
    write_counts(res, out)
    sig = res[res["level"].fillna(0) > 0]
    console.print(f"{len(sig)} signal month(s) across {res['group'].nunique()} groups; wrote {out}")


@signals_app.command("evaluate")
@user_errors
def evaluate_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV.")],
    years: Annotated[
        str, typer.Option(help="Synthetic years (the first 3 are the reference).")
    ] = "2018-2024",
    scale: Annotated[float, typer.Option(help="Fraction of England's births.")] = 0.25,
    episodes_per_year: Annotated[float, typer.Option(help="Injected episodes a year.")] = 30.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 11,
) -> None:
    """Run each method on a synthetic England with injected episodes: false signals
    per site-year and detection by odds ratio, by site size band."""
    from rich.table import Table

    from matequity.cli.app import _years
    from matequity.cli.progress import steps
    from matequity.signals.evaluate import evaluate
    from matequity.tablefiles import write_counts

    with steps("evaluate") as step:
        res = evaluate(_years(years), seed, scale, episodes_per_year, step)
    write_counts(res, out)
    t = Table(title="Signal methods on a synthetic England")
    for c in res.columns:
        t.add_column(c)
    for r in res.itertuples(index=False):
        t.add_row(*[f"{v:.3g}" if isinstance(v, float) else str(v) for v in r])
    console.print(t)
    console.print(f"wrote {out}")

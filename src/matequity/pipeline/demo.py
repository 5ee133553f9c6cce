"""``matequity demo``: the whole pipeline on a synthetic England, one command.

synthetic England (made once, reused) -> ingest into the embedded DuckDB store
(idempotent) -> count tables by ethnic group and IMD quintile for England and
every LMNS -> rates with 95% intervals -> disclosure control (``nhs`` policy) ->
CSVs and an HTML summary; and the data-quality report (``quality/``, also
released under ``nhs``) with its summary in the HTML.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from matequity import store as store_mod
from matequity.counts.compute import count_table
from matequity.counts.table import write_counts
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import POLICIES
from matequity.engine.backend import duckdb_engine
from matequity.ingest.load import ingest
from matequity.measures.catalogue import MEASURES
from matequity.model.ethnicity import GROUPINGS
from matequity.outputs import html_summary as hs
from matequity.outputs.reports import board as board_report
from matequity.outputs.reports import lmns as lmns_report
from matequity.outputs.reports import national as national_report
from matequity.outputs.reports import render as report_render
from matequity.quality import report as quality_report
from matequity.stats.frames import measure_settings
from matequity.stats.rates import add_rates
from matequity.synth import write as synth_write
from matequity.synth.generate import generate

POLICY = POLICIES["nhs"]
DISCLOSURE = (
    f"Published under the '{POLICY.name}' disclosure policy ({POLICY.title}). Rates are "
    "computed from unrounded counts. The data are synthetic."
)


@dataclass(frozen=True)
class DemoResult:
    summary: Path
    store: Path
    data: Path
    tables: tuple[Path, ...]
    quality: tuple[Path, ...] = ()
    reports: tuple[Path, ...] = ()
    accounts: tuple = ()


def rates_for(counts: pd.DataFrame) -> pd.DataFrame:
    """Rates with 95% limits, statistic and multiplier taken from each measure."""
    stat, mult, _better = measure_settings(counts, None, None)
    return add_rates(counts, stat, mult, levels=("95",))


def _ensure_synthetic(data: Path, years: range, seed: int, scale: float, step) -> None:
    manifest = data / synth_write.TRUTH_DIR / "manifest.json"
    want = {"seed": seed, "years": [years.start, years.stop - 1], "scale": scale}
    if manifest.exists():
        got = json.loads(manifest.read_text())
        if all(got.get(k) == v for k, v in want.items()):
            step("reusing the synthetic England in " + str(data))
            return
    step(f"generating a synthetic England {years.start}-{years.stop - 1}")
    synth_write.write(generate(years, seed=seed, scale=scale), data, years, seed, scale)


def run(
    out: Path,
    years: range = range(2015, 2025),
    seed: int = 20240101,
    scale: float = 1.0,
    step: Callable[[str], None] = lambda _m: None,
) -> DemoResult:
    data = out / "synthetic"
    store_path = out / "store.duckdb"
    _ensure_synthetic(data, years, seed, scale, step)
    step("ingesting into the embedded DuckDB store")
    ingest(
        store_path,
        [
            data / synth_write.ORGANISATIONS_FILE,
            data / synth_write.IMD_LOOKUP_FILE,
            data / synth_write.BIRTHS_FILE,
        ],
        on_step=step,
    )
    engine = duckdb_engine(store_path)
    written: list[Path] = []
    sections: list[hs.Section] = []
    tables_dir = out / "tables"
    results: dict[tuple[str, str], pd.DataFrame] = {}
    for level in ("england", "lmns"):
        for by in ("ethnic_group", "imd_quintile"):
            step(f"counting by {by} for {level}")
            counts = count_table(engine, MEASURES, by=[by], level=level, period="all")
            rates = apply_policy(rates_for(counts), POLICY, [by])
            results[(level, by)] = rates
            written.append(
                write_counts(
                    apply_policy(counts, POLICY, [by]), tables_dir / f"counts_{level}_{by}.csv"
                )
            )
            written.append(write_counts(rates, tables_dir / f"rates_{level}_{by}.csv"))
    step("counting England by year")
    trend = apply_policy(
        rates_for(count_table(engine, MEASURES, level="england", period="year")), POLICY, []
    )
    written.append(write_counts(trend, tables_dir / "rates_england_by_year.csv"))
    step("data-quality report")
    quality = quality_report.build(engine)
    quality_paths = quality_report.write(quality, out / "quality", POLICY)

    eng = [
        hs.Block(
            m.title,
            [
                hs.rate_table(results[("england", by)], m.name, by)
                for by in ("ethnic_group", "imd_quintile")
            ],
        )
        for m in MEASURES
    ]
    sections.append(hs.Section("England", eng))
    year_rows = [
        [
            str(r["period"]),
            *[
                hs._fmt(
                    trend[(trend["measure"] == m.name) & (trend["period"] == r["period"])][
                        "value"
                    ].iloc[0]
                )
                for m in MEASURES
            ],
        ]
        for _, r in trend[["period"]].drop_duplicates().iterrows()
    ]
    sections.append(
        hs.Section(
            "England by year",
            [
                hs.Block(
                    "",
                    [
                        hs.Table(
                            "Each measure by year of birth",
                            ["Year", *[m.title for m in MEASURES]],
                            year_rows,
                        )
                    ],
                )
            ],
        )
    )
    lm_blocks = []
    for by in ("ethnic_group", "imd_quintile"):
        df = results[("lmns", by)]
        for (code, name), part in df.groupby(["org_code", "org_name"], sort=True):
            if by == "ethnic_group":
                lm_blocks.append(hs.Block(f"{name} ({code})", []))
            blk = next(b for b in lm_blocks if b.title == f"{name} ({code})")
            blk.tables.extend(hs.rate_table(part, m.name, by) for m in MEASURES)
    sections.append(
        hs.Section(
            "Local maternity and neonatal systems",
            lm_blocks,
            collapsible=True,
            intro="Each LMNS's measures by ethnic group and by IMD quintile "
            "(births by site of birth).",
        )
    )

    sections.append(
        hs.Section(
            "Data quality",
            [
                hs.Block(
                    "",
                    [
                        hs.Table(
                            "Summary of the data-quality report (tables in quality/)",
                            ["Finding"],
                            [[line] for line in quality_report.summary_lines(quality, POLICY)],
                        )
                    ],
                )
            ],
            intro="Field validity in the NHS layout, the MIS safety action 2 ethnicity "
            "check, plausibility checks, completeness and bounds for unrecorded groups. "
            "Counts released under the nhs policy.",
        )
    )
    loads, reasons = store_mod.audit(store_path)
    for c in ("rows_read", "rows_accepted", "rows_quarantined"):
        loads[c] = POLICY.count(loads[c].to_numpy()).astype("int64")
    reasons["rows"] = POLICY.count(reasons["rows"].to_numpy()).astype("int64")
    summary = hs.render(
        out / "summary.html",
        title="matequity: equity summary for a synthetic England",
        source=f"Synthetic England (seed {seed}, {len(years)} years), {data}",
        period=f"births {years.start} to {years.stop - 1}",
        grouping=GROUPINGS["msds"].title,
        disclosure=DISCLOSURE,
        loads=loads,
        reasons=reasons,
        sections=sections,
    )
    step("trust board safety report")
    trust = (
        engine.execute(engine.table("organisations"))
        .sort_values("trust_code")["trust_code"]
        .iloc[0]
    )
    engine.backend.disconnect()
    report, _data = board_report.build(store_path, trust, POLICY)
    lmns = sorted(set(results[("lmns", "ethnic_group")]["org_code"]))[0]
    step("LMNS equity and equality analysis")
    equity, _edata = lmns_report.build(store_path, lmns, POLICY)
    step("national equity progress report")
    nat, _ndata = national_report.build(store_path, POLICY, f"{years.start}:{years.stop - 1}")
    reports = tuple(
        write(r, out / "reports" / f"{r.kind}_{code}.{ext}")
        for r, code in ((report, trust), (equity, lmns), (nat, "E92000001"))
        for write, ext in ((report_render.write_html, "html"), (report_render.write_pdf, "pdf"))
    )
    step("signal register and demo accounts for the web service")
    from matequity.web.demo import create_demo_accounts

    accounts = create_demo_accounts(store_path)
    return DemoResult(
        summary, store_path, data, tuple(written), tuple(quality_paths), reports, accounts
    )

"""``matequity demo``: the whole pipeline on a synthetic England, one command.

synthetic England (made once, reused) -> ingest into the embedded DuckDB store
(idempotent; the derived store is built by the same write) -> the equity
summary (every measure by ethnic group and IMD quintile for England and every
LMNS, released under ``nhs``) as CSVs and an HTML page -> the data-quality
report (``quality/``, also under ``nhs``) -> the three reports (HTML and PDF).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matequity import engine as engines
from matequity import vocabulary as vocab
from matequity.analyses.quality import quality
from matequity.analyses.summary import summary
from matequity.disclosure.policy import POLICIES
from matequity.experience import store as experience_store
from matequity.ingest.load import ingest
from matequity.model.ethnicity import GROUPINGS
from matequity.outputs.reports import render
from matequity.outputs.reports import summary as summary_layout
from matequity.pipeline import reports
from matequity.synth import experience as synth_experience
from matequity.synth import write as synth_write
from matequity.synth.generate import generate
from matequity.tablefiles import write_counts
from matequity.web.demo import create_demo_accounts

POLICY = POLICIES["nhs"]


@dataclass(frozen=True)
class DemoResult:
    summary: Path
    store: Path
    data: Path
    tables: tuple[Path, ...]
    quality: tuple[Path, ...] = ()
    reports: tuple[Path, ...] = ()
    #: one account per role for the web service on the demo store (passwords fresh)
    accounts: tuple = ()


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
    step("loading staff and families' experience")
    experience_dir = data / synth_experience.DIR
    files = [experience_dir / f for f in synth_experience.FILES.values()]
    experience_store.load("duckdb", store_path, [f for f in files if f.exists()])
    step("the signal register and demo accounts for the web service")
    accounts = create_demo_accounts(store_path)
    tables_dir = out / "tables"
    written: list[Path] = []
    with engines.open("duckdb", store_path) as eng:
        step("counting every measure for England and each LMNS")
        s = summary(eng, POLICY)
        step("data-quality report")
        q = quality(eng, POLICY)
        orgs = eng.execute(eng.table("organisations"))
        built = []
        # the demo accounts' trust and LMNS: one with a signal, when any
        mine = {a.role: a.org_code for a in accounts}
        trust = mine.get("trust") or sorted(orgs["trust_code"])[0]
        lmns = mine.get("lmns") or sorted(orgs["lmns_code"])[0]
        every_year = f"{years.start}:{years.stop - 1}"
        requests = (
            reports.ReportRequest(kind="board", org=trust, policy=POLICY),
            reports.ReportRequest(kind="lmns", org=lmns, policy=POLICY),
            reports.ReportRequest(
                kind="national", org=vocab.ENGLAND_CODE, policy=POLICY, period=every_year
            ),
        )
        for req in requests:
            step(f"{req.kind} report")
            built.append((reports.build(eng, req), req.kind, req.org))
    for (level, by), df in s.counts.items():
        written.append(write_counts(df, tables_dir / f"counts_{level}_{by}.csv"))
    for (level, by), df in s.rates.items():
        written.append(write_counts(df, tables_dir / f"rates_{level}_{by}.csv"))
    written.append(write_counts(s.by_year, tables_dir / "rates_england_by_year.csv"))
    quality_paths = [write_counts(df, out / "quality" / name) for name, df in q.tables.items()]
    page = summary_layout.report(
        s,
        q,
        title="matequity: equity summary for a synthetic England",
        source=f"Synthetic England (seed {seed}, {len(years)} years), {data}; "
        f"ethnic grouping: {GROUPINGS['msds'].title}. The data are synthetic.",
        period=f"births {years.start} to {years.stop - 1}",
    )
    summary_path = render.write_html(page, out / "summary.html")
    report_paths: list[Path] = []
    for (rep, _analysis), kind, org in built:
        step(f"writing the {kind} report")
        report_paths += reports.write(rep, out / "reports", f"{kind}_{org}")
    return DemoResult(
        summary_path,
        store_path,
        data,
        tuple(written),
        tuple(quality_paths),
        tuple(report_paths),
        accounts,
    )

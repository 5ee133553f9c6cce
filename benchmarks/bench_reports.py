"""Time the three reports (LMNS equity analysis, national progress report,
trust board safety report) on a store of about 6 million births, beside a floor.

Each report is timed in three parts: build (every count table from the engine,
the statistics, disclosure control, the charts as specifications), the
self-contained HTML, and the PDF (charts drawn to SVG by vl-convert, laid out by
WeasyPrint). Floor: a bare DuckDB GROUP BY site, first character of the ethnic
category and year over the store's babies table counting stillbirths and births
(one pass at the reports' finest breakdown, no derivations, no joins).
Writes benchmarks/results/reports.json and prints a Markdown table.

    python benchmarks/bench_reports.py [--millions 6] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb
from bench_pipeline import YEARS, machine, timed

from matequity.disclosure.policy import POLICIES
from matequity.engine.backend import duckdb_engine
from matequity.ingest.load import ingest
from matequity.outputs.reports import board, lmns, national, render
from matequity.synth import write as synth_write
from matequity.synth.calibration import BIRTHS_PER_YEAR
from matequity.synth.generate import generate

OUT = Path(__file__).parent / "results" / "reports.json"

FLOOR_SQL = (
    "SELECT site_code, substr(ethnic_category, 1, 1) AS eth, year(birth_date) AS y, "
    "sum(CASE WHEN outcome = 'still' THEN 1 ELSE 0 END) AS stillbirths, count(*) AS births "
    "FROM babies GROUP BY ALL"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--millions", type=float, default=6.0)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    scale = args.millions * 1e6 / sum(BIRTHS_PER_YEAR[y] for y in YEARS)
    policy = POLICIES["nhs"]
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        res = generate(YEARS, seed=1, scale=scale)
        paths = synth_write.write(res, work / "data", YEARS, 1, scale)
        store = work / "store.duckdb"
        ingest(store, [paths["organisations"], paths["imd_lookup"], paths["births"]])
        results["births"] = res.births.num_rows
        eng = duckdb_engine(store)
        orgs = eng.execute(eng.table("organisations"))
        eng.backend.disconnect()
        lmns_code = sorted(orgs["lmns_code"])[0]
        trust = sorted(orgs["trust_code"])[0]
        builders = {
            "lmns": lambda: lmns.build(store, lmns_code, policy),
            "national": lambda: national.build(store, policy),
            "board": lambda: board.build(store, trust, policy),
        }
        for kind, build in builders.items():
            t_build, (rep, _data) = timed(build, args.repeat)
            t_html, _ = timed(lambda r=rep, k=kind: render.write_html(r, work / f"{k}.html"), 1)
            t_pdf, _ = timed(lambda r=rep, k=kind: render.write_pdf(r, work / f"{k}.pdf"), 1)
            charts = sum(len(s.charts) for s in rep.sections)
            results[kind] = {"build_s": t_build, "html_s": t_html, "pdf_s": t_pdf, "charts": charts}

        def floor():
            con = duckdb.connect(str(store), read_only=True)
            con.execute(FLOOR_SQL).fetchall()
            con.close()

        results["floor_s"], _ = timed(floor, 3)
    meta = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "repeat": args.repeat,
        "statistic": "median wall-clock seconds (HTML and PDF: one run)",
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"{meta['machine']}; {meta['date']}; median of {args.repeat}\n")
    print("| report | births | charts | build | HTML | PDF | floor: bare DuckDB GROUP BY |")
    print("|---|---|---|---|---|---|---|")
    for kind in builders:
        r = results[kind]
        print(
            f"| {kind} | {results['births']:,} | {r['charts']} | {r['build_s']:.1f} s | "
            f"{r['html_s']:.1f} s | {r['pdf_s']:.1f} s | {results['floor_s']:.2f} s |"
        )


if __name__ == "__main__":
    main()

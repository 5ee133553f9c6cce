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
import tempfile
from pathlib import Path

import duckdb
from bench_pipeline import save, synthetic_store, timed

from matequity import engine as engines
from matequity.disclosure.policy import POLICIES
from matequity.outputs.reports import board, lmns, national, render

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
    policy = POLICIES["nhs"]
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store, births = synthetic_store(work, args.millions)
        results["births"] = births
        eng = engines.open("duckdb", store)
        orgs = eng.execute(eng.table("organisations"))
        eng.close()
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
    save(OUT, results, args.repeat, "median wall-clock seconds (HTML and PDF: one run)")
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

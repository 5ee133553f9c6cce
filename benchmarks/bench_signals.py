"""Time MOSS (all sites, ten years) and the data-quality report on a store of
about 6 million births, beside a floor.

Floor: a bare DuckDB GROUP BY site and month over the store's babies table
counting term deaths and term births (one pass, no derivations, no joins).
MOSS = events and term births by site-month from the engine, thresholds
(CUSUMdesign getH as MOSS calls it) and the chart recursion for every site.
Writes benchmarks/results/signals.json and prints a Markdown table.

    python benchmarks/bench_signals.py [--millions 6] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
from bench_pipeline import save, synthetic_store, timed

from matequity import engine as engines
from matequity.quality import report
from matequity.signals import thresholds
from matequity.signals.from_store import monthly_events
from matequity.signals.moss import moss

OUT = Path(__file__).parent / "results" / "signals.json"

FLOOR_SQL = (
    "SELECT site_code, strftime(birth_date, '%Y-%m') AS month, "
    "sum(CASE WHEN gestation_days >= 259 AND (outcome = 'still' OR death_date IS NOT NULL) "
    "THEN 1 ELSE 0 END) AS events, sum(CASE WHEN gestation_days >= 259 THEN 1 ELSE 0 END) "
    "AS births FROM babies GROUP BY ALL"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--millions", type=float, default=6.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store, births = synthetic_store(work, args.millions)
        engine = engines.open("duckdb", store)

        def do_moss():
            thresholds.get_h.cache_clear()
            thresholds.moss_thresholds.cache_clear()
            return moss(monthly_events(engine))

        t_moss, chart = timed(do_moss, args.repeat)
        t_quality, _ = timed(lambda: report.build(engine), args.repeat)
        engine.close()

        def floor():
            con = duckdb.connect(str(store), read_only=True)
            con.execute(FLOOR_SQL).fetchall()
            con.close()

        t_floor, _ = timed(floor, args.repeat)
    results = {
        "births": births,
        "site_months": len(chart),
        "sites": int(chart["site_code"].nunique()),
        "moss_s": t_moss,
        "quality_s": t_quality,
        "floor_s": t_floor,
    }
    save(OUT, results, args.repeat, "median wall-clock seconds")
    print(
        "| births | site-months | MOSS (events + thresholds + charts) | data-quality report "
        "| floor: bare DuckDB GROUP BY site, month |"
    )
    print("|---|---|---|---|---|")
    r = results
    print(
        f"| {r['births']:,} | {r['site_months']:,} | {r['moss_s']:.2f} s | "
        f"{r['quality_s']:.1f} s | {r['floor_s']:.2f} s |"
    )


if __name__ == "__main__":
    main()

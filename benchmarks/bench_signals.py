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
import json
import tempfile
import time
from pathlib import Path

import duckdb
from bench_pipeline import YEARS, machine, timed

from matequity.engine.backend import duckdb_engine
from matequity.ingest.load import ingest
from matequity.quality import report
from matequity.signals import thresholds
from matequity.signals.from_store import monthly_events
from matequity.signals.moss import moss
from matequity.synth import write as synth_write
from matequity.synth.calibration import BIRTHS_PER_YEAR
from matequity.synth.generate import generate

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
    scale = args.millions * 1e6 / sum(BIRTHS_PER_YEAR[y] for y in YEARS)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        res = generate(YEARS, seed=1, scale=scale)
        paths = synth_write.write(res, work / "data", YEARS, 1, scale)
        store = work / "store.duckdb"
        ingest(store, [paths["organisations"], paths["imd_lookup"], paths["births"]])
        engine = duckdb_engine(store)

        def do_moss():
            thresholds.get_h.cache_clear()
            thresholds.moss_thresholds.cache_clear()
            return moss(monthly_events(engine))

        t_moss, chart = timed(do_moss, args.repeat)
        t_quality, _ = timed(lambda: report.build(engine), args.repeat)
        engine.backend.disconnect()

        def floor():
            con = duckdb.connect(str(store), read_only=True)
            con.execute(FLOOR_SQL).fetchall()
            con.close()

        t_floor, _ = timed(floor, args.repeat)
    results = {
        "births": res.births.num_rows,
        "site_months": len(chart),
        "sites": int(chart["site_code"].nunique()),
        "moss_s": t_moss,
        "quality_s": t_quality,
        "floor_s": t_floor,
    }
    meta = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "repeat": args.repeat,
        "statistic": "median wall-clock seconds",
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"{meta['machine']}; {meta['date']}; median of {args.repeat}\n")
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

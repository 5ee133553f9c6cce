"""Time synth, ingest and counts at 1M and 6M births, beside floors.

Floors: for ingest, a bare DuckDB ``CREATE TABLE AS SELECT * FROM read_parquet``
of the same file (what loading costs with no validation); for counts, a bare
DuckDB GROUP BY over the same Parquet (one pass, no derivations, no joins).
Writes benchmarks/results/pipeline.json and prints a Markdown table for the README.

    python benchmarks/bench_pipeline.py [--sizes 1,6] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
from machine import machine

from matequity import engine as engines
from matequity.counts.compute import count_table
from matequity.ingest.load import ingest
from matequity.measures.catalogue import MEASURES
from matequity.synth import write as synth_write
from matequity.synth.calibration import BIRTHS_PER_YEAR
from matequity.synth.generate import generate

YEARS = range(2015, 2025)
OUT = Path(__file__).parent / "results" / "pipeline.json"


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run(millions: float, repeat: int, work: Path) -> dict[str, float]:
    per_year = sum(BIRTHS_PER_YEAR[y] for y in YEARS)
    scale = millions * 1e6 / per_year
    data = work / f"data_{millions}"
    t_synth, res = timed(lambda: generate(YEARS, seed=1, scale=scale), repeat)
    synth_write.write(res, data, YEARS, 1, scale)
    births = data / synth_write.BIRTHS_FILE
    n = res.births.num_rows

    def do_ingest() -> None:
        store = work / f"store_{millions}.duckdb"
        store.unlink(missing_ok=True)
        ingest(
            store,
            [data / synth_write.ORGANISATIONS_FILE, data / synth_write.IMD_LOOKUP_FILE, births],
        )

    def floor_ingest() -> None:
        p = work / "floor.duckdb"
        p.unlink(missing_ok=True)
        con = duckdb.connect(str(p))
        con.execute(f"CREATE TABLE babies AS SELECT * FROM read_parquet('{births}')")
        con.close()

    t_ingest, _ = timed(do_ingest, repeat)
    t_floor_ingest, _ = timed(floor_ingest, repeat)
    engine = engines.open("duckdb", work / f"store_{millions}.duckdb")
    t_counts, table = timed(
        lambda: count_table(engine, MEASURES, by=["ethnic_group"], level="lmns", period="year"),
        repeat,
    )

    def floor_counts() -> None:
        con = duckdb.connect()
        con.execute(
            f"SELECT site_code, ethnic_category, year(birth_date) AS y, count(*), "
            f"sum(CASE WHEN outcome = 'still' THEN 1 ELSE 0 END) "
            f"FROM read_parquet('{births}') GROUP BY ALL"
        ).fetchall()
        con.close()

    t_floor_counts, _ = timed(floor_counts, repeat)
    return {
        "births": n,
        "synth_s": t_synth,
        "ingest_s": t_ingest,
        "floor_ingest_s": t_floor_ingest,
        "counts_s": t_counts,
        "floor_counts_s": t_floor_counts,
        "count_rows": len(table),
    }


def synthetic_store(work: Path, millions: float) -> tuple[Path, int]:
    """A DuckDB store of about ``millions`` synthetic births over YEARS (seed 1),
    copied into ``work`` from one made once in benchmarks/_data (the data and
    the store are reused by every benchmark; delete the folder to remake them)."""
    import shutil

    from bench_engine import synthetic

    folder, n = synthetic(millions, 1)
    cached = folder / "store.duckdb"
    if not cached.exists():
        tmp = folder / "store.tmp.duckdb"
        tmp.unlink(missing_ok=True)
        files = [folder / "organisations.csv", folder / "lsoa_imd_lookup.csv"]
        ingest(tmp, [*files, folder / synth_write.BIRTHS_FILE])
        os.replace(tmp, cached)
    store = work / "store.duckdb"
    shutil.copyfile(cached, store)
    return store, n


def save(out: Path, results: dict, repeat: int, statistic: str = "") -> dict:
    """Write the results with the machine and date as JSON; print the header line."""
    meta = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "repeat": repeat,
        "statistic": statistic or "median wall-clock seconds",
    }
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"{meta['machine']}; {meta['date']}; median of {repeat}\n")
    return meta


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,6", help="millions of births, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in args.sizes.split(","):
            results[s] = run(float(s), args.repeat, Path(tmp))
    save(OUT, results, args.repeat)
    print(
        "| births | synth | ingest (validate + load) | floor: bare DuckDB load | "
        "counts (9 measures × ethnic group × 42 LMNS × year) | floor: bare DuckDB GROUP BY |"
    )
    print("|---|---|---|---|---|---|")
    for r in results.values():
        print(
            f"| {r['births']:,} | {r['synth_s']:.1f} s | {r['ingest_s']:.1f} s | "
            f"{r['floor_ingest_s']:.1f} s | {r['counts_s']:.2f} s | {r['floor_counts_s']:.2f} s |"
        )


if __name__ == "__main__":
    main()

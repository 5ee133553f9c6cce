"""Whole processes against their floors: ingest, a count table, MOSS for every
site, the data-quality report, each report's build plus HTML, and `matequity
--help`, on the embedded DuckDB engine (and, with --spark, the same on Spark in
local mode, checking that the outputs are identical).

Every matequity step is a fresh process (what a user runs), timed from launch
to exit with its peak resident memory (``wait4``). Each stands beside a floor
measured in the same run, also as a whole process: a bare DuckDB load of the
same Parquet file (for ingest), and a bare DuckDB GROUP BY over it (for the
count table, MOSS and the reports: site, ethnic category and year of birth,
counting stillbirths and births; no derivations, no joins), each writing its
result as matequity does.

Data: a synthetic England of about N million births (2015-2024, seed 1); with
--copies K, K copies of it with distinct identifiers, written a decade at a time
so that memory stays flat (the 60-million-birth scale run: --copies 10).

    python benchmarks/bench_engine.py [--millions 6] [--copies 1] [--repeat 3] [--spark]

Writes benchmarks/results/engine_<births>.json and prints Markdown rows.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parents[1]
MATEQUITY = [str(Path(sys.executable).with_name("matequity"))]
DATA = ROOT / "benchmarks" / "_data"
YEARS = range(2015, 2025)

FLOOR_LOAD = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")
con.read_parquet(sys.argv[1]).create("babies")
con.close()
"""
FLOOR_GROUP_BY = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rel = con.read_parquet(sys.argv[1]).aggregate(
    "site_code, ethnic_category, year(birth_date) AS y, "
    "sum(CASE WHEN outcome = 'still' AND gestation_days >= 168 THEN 1 ELSE 0 END) AS stillbirths, "
    "count(*) AS births",
    "site_code, ethnic_category, y",
)
rel.write_csv(sys.argv[2])
"""

#: the first trust and LMNS of a store, printed (read in a child process: see machine.py)
FIRST_ORGS = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(*con.execute("SELECT min(trust_code), min(lmns_code) FROM organisations").fetchone())
"""


def floor_group_by_command(births: Path, out: Path) -> list[str]:
    """The floor: a bare DuckDB GROUP BY over the Parquet file, written to ``out``."""
    return [sys.executable, "-c", FLOOR_GROUP_BY, str(births), str(out)]


def count_command(store: Path, out: Path, engine: str = "duckdb") -> list[str]:
    """The benchmarked count table: stillbirth by ethnic group, trust and year."""
    return [
        *MATEQUITY,
        "counts",
        "--store",
        str(store),
        "--engine",
        engine,
        "--measure",
        "stillbirth",
        "--by",
        "ethnic_group",
        "--level",
        "trust",
        "--period",
        "year",
        "-o",
        str(out),
    ]


def report_orgs(store: Path) -> dict[str, str]:
    """The organisation each report is benchmarked on (the store's first trust and
    LMNS; England), read in a child process (see machine.py)."""
    first = subprocess.run(
        [sys.executable, "-c", FIRST_ORGS, str(store)], capture_output=True, text=True, check=True
    )
    trust, lmns = first.stdout.split()
    return {"board": trust, "lmns": lmns, "national": "E92000001"}


def report_command(
    kind: str, org: str, store: Path, out: Path, stabilised: bool, engine: str = "duckdb"
) -> list[str]:
    """A report's build plus HTML, with or without the stabilised rates."""
    return [
        *MATEQUITY,
        "report",
        kind,
        "--store",
        str(store),
        "--engine",
        engine,
        "--org",
        org,
        "-o",
        str(out),
        "--format",
        "html",
        "--stabilised" if stabilised else "--no-stabilised",
    ]


#: the result name of each report run: ``report_<kind>`` with the stabilised rates,
#: ``report_<kind>_crude`` without
def report_key(kind: str, stabilised: bool) -> str:
    return f"report_{kind}{'' if stabilised else '_crude'}"


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall-clock seconds and peak memory (MiB) of one process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    _pid, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(map(str, cmd))}\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def median_run(cmd, repeat: int, before=None) -> dict:
    walls, mems = [], []
    for _ in range(repeat):
        if before:
            before()
        w, m = run(cmd)
        walls.append(w)
        mems.append(m)
    return {"s": statistics.median(walls), "peak_mib": max(mems), "runs": walls}


def synthetic(millions: float, copies: int) -> tuple[Path, int]:
    """The data folder (made once and reused): organisations, lookup, births."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from matequity.synth import write as synth_write
    from matequity.synth.calibration import BIRTHS_PER_YEAR
    from matequity.synth.generate import generate

    folder = DATA / f"england_{millions:g}m_x{copies}"
    births = folder / synth_write.BIRTHS_FILE
    if births.exists():
        return folder, pq.ParquetFile(births).metadata.num_rows
    scale = millions * 1e6 / sum(BIRTHS_PER_YEAR[y] for y in YEARS)
    res = generate(YEARS, seed=1, scale=scale)
    synth_write.write(res, folder, YEARS, 1, scale, experience=False)
    if copies > 1:
        base = res.births
        tmp = folder / "births.tmp.parquet"
        with pq.ParquetWriter(tmp, base.schema, compression="zstd") as w:
            for k in range(copies):
                t = base
                for col in ("baby_id", "delivery_id", "mother_id"):
                    i = t.schema.get_field_index(col)
                    prefixed = pc.binary_join_element_wise(f"C{k}", t[col], "")
                    t = t.set_column(i, col, prefixed)
                w.write_table(t, row_group_size=1 << 20)
        os.replace(tmp, births)
    return folder, pq.ParquetFile(births).metadata.num_rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--millions", type=float, default=6.0)
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spark", action="store_true", help="also every step on Spark (local)")
    ap.add_argument("--reports", default="lmns,national,board")
    ap.add_argument("--no-quality", action="store_true", help="leave out the data-quality report")
    args = ap.parse_args()
    # synthesised in a child process: a child's peak memory as the kernel reports
    # it includes its parent's at the fork, so the parent stays small
    with concurrent.futures.ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        folder, n = pool.submit(synthetic, args.millions, args.copies).result()
    births = folder / "births.parquet"
    files = [folder / "organisations.csv", folder / "lsoa_imd_lookup.csv", births]
    out: dict = {"births": n}
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        work = Path(tmp)
        store = work / "store.duckdb"
        floor_store = work / "floor.duckdb"

        def fresh():
            for p in (store, floor_store):
                p.unlink(missing_ok=True)

        out["help"] = median_run([*MATEQUITY, "--help"], args.repeat)
        out["floor_load"] = median_run(
            [sys.executable, "-c", FLOOR_LOAD, str(births), str(floor_store)], args.repeat, fresh
        )
        out["ingest"] = median_run(
            [*MATEQUITY, "ingest", *map(str, files), "--store", str(store)], args.repeat, fresh
        )
        run([*MATEQUITY, "ingest", *map(str, files), "--store", str(store)])
        out["floor_group_by"] = median_run(
            floor_group_by_command(births, work / "floor.csv"), args.repeat
        )
        out["count_table"] = median_run(count_command(store, work / "counts.csv"), args.repeat)
        moss = [
            *MATEQUITY,
            "signals",
            "run",
            "--store",
            str(store),
            "--no-notify",
            "-o",
            str(work / "moss"),
        ]
        out["moss"] = median_run(moss, args.repeat)
        if not args.no_quality:
            out["quality"] = median_run(
                [
                    *MATEQUITY,
                    "quality",
                    "--store",
                    str(store),
                    "-o",
                    str(work / "q"),
                    "--policy",
                    "nhs",
                ],
                1,
            )
        orgs = report_orgs(store)
        for kind in args.reports.split(","):
            for stabilised in (True, False):
                cmd = report_command(kind, orgs[kind], store, work / "r", stabilised)
                out[report_key(kind, stabilised)] = median_run(cmd, 1)
        if args.spark:
            folder_store = work / "spark_store"
            sp = {"MATEQUITY_BENCH": "spark"}
            w, m = run(
                [
                    *MATEQUITY,
                    "ingest",
                    *map(str, files),
                    "--store",
                    str(folder_store),
                    "--engine",
                    "spark",
                ],
                sp,
            )
            out["spark_ingest"] = {"s": w, "peak_mib": m}
            w, m = run(count_command(folder_store, work / "counts_spark.csv", "spark"), sp)
            out["spark_count_table"] = {"s": w, "peak_mib": m}
            same = (work / "counts.csv").read_bytes() == (work / "counts_spark.csv").read_bytes()
            out["spark_counts_identical"] = same
            lmns_report = report_command(
                "lmns", orgs["lmns"], folder_store, work / "rs", True, "spark"
            )
            w, m = run(lmns_report, sp)
            out["spark_report_lmns"] = {"s": w, "peak_mib": m}
    meta = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "repeat": args.repeat}
    res = ROOT / "benchmarks" / "results" / f"engine_{n}.json"
    res.parent.mkdir(exist_ok=True)
    res.write_text(json.dumps({"meta": meta, "results": out}, indent=2))
    print(json.dumps(meta))
    floor_g = out["floor_group_by"]["s"]
    print("| step | births | matequity | peak | floor | ratio |")
    print("|---|---|---|---|---|---|")
    rows = [("ingest", out["ingest"], out["floor_load"])]
    rows += [(k, out[k], out["floor_group_by"]) for k in out if k in ("count_table", "moss")]
    rows += [(k, out[k], out["floor_group_by"]) for k in out if k.startswith("report_")]
    for name, r, f in rows:
        print(
            f"| {name} | {n:,} | {r['s']:.2f} s | {r['peak_mib']:.0f} MiB | {f['s']:.2f} s | "
            f"{r['s'] / f['s']:.1f}x |"
        )
    print(f"| --help | | {out['help']['s']:.2f} s | | | |  (floor GROUP BY {floor_g:.2f} s)")


if __name__ == "__main__":
    main()

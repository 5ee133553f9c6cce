"""The read-only steps of ``bench_engine.py`` alternating with their floor,
round after round, on a store that is already built.

On a shared machine a single run of a step can differ from the next by
20-30%; here every round runs the floor (a bare DuckDB GROUP BY over the same
Parquet file, as in ``bench_engine.py``) and then each step, all as whole
processes, so that a drift of the machine moves both. The medians of the
rounds and each step's ratio to the floor's median are written to a JSON file.

    python benchmarks/bench_alternating.py --store S --births FILE \
        [--rounds 5] [--steps count,help,board,...] [-o results/NAME.json]

The store must hold the births of FILE (``bench_engine.py`` builds one) and,
for the board report to read a register, ``signals run`` must have been run
on it.

A report with the stabilised rates reads the fits saved beside the store
(``<store>.fits``) once one run has made them; ``report_<kind>_fitting`` is the
same report with that folder removed before each run (not timed), so it fits
the models, as the first report on a newly loaded store does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from bench_engine import (
    MATEQUITY,
    count_command,
    floor_group_by_command,
    report_command,
    report_key,
    report_orgs,
    run,
)
from machine import machine


def commands(store: Path, births: Path, work: Path) -> dict[str, list[str]]:
    out = {
        "floor": floor_group_by_command(births, work / "floor.csv"),
        "count": count_command(store, work / "counts.csv"),
        "help": [*MATEQUITY, "--help"],
    }
    for kind, org in report_orgs(store).items():
        for stabilised in (True, False):
            out[report_key(kind, stabilised)] = report_command(
                kind, org, store, work / "r", stabilised
            )
        out[f"{report_key(kind, True)}_fitting"] = out[report_key(kind, True)]
    return out


def saved_fits(store: Path) -> Path:
    """Where the reports save their model fits (matequity.analyses.saved_fits)."""
    return store.with_name(store.name + ".fits")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument(
        "--births", type=Path, required=True, help="the Parquet file it was loaded from"
    )
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", default="count,help,report_board_crude,report_board")
    ap.add_argument("-o", "--output", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(args.store, args.births, Path(tmp))
        steps = ["floor", *args.steps.split(",")]
        unknown = [s for s in steps if s not in cmds]
        if unknown:
            raise SystemExit(f"--steps: unknown {', '.join(unknown)}; expected {', '.join(cmds)}")
        runs: dict[str, list[tuple[float, float]]] = {s: [] for s in steps}
        for _ in range(args.rounds):
            for s in steps:
                if s.endswith("_fitting"):
                    shutil.rmtree(saved_fits(args.store), ignore_errors=True)
                runs[s].append(run(cmds[s]))
    floor = statistics.median(w for w, _m in runs["floor"])
    result = {
        "machine": machine(),
        "rounds": args.rounds,
        "steps": {
            s: {
                "s": statistics.median(w for w, _m in r),
                "peak_mib": max(m for _w, m in r),
                "ratio": statistics.median(w for w, _m in r) / floor,
                "runs": [w for w, _m in r],
            }
            for s, r in runs.items()
        },
    }
    text = json.dumps(result, indent=1)
    if args.output:
        args.output.write_text(text + "\n")
    for s, v in result["steps"].items():
        print(f"| {s} | {v['s']:.2f} s | {v['peak_mib']:,.0f} MiB | {v['ratio']:.1f}× |")


if __name__ == "__main__":
    main()

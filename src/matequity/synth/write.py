"""Write a synthetic England to a folder, the same shape a user's extract has."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from matequity import __version__
from matequity.synth.calibration import Calibration
from matequity.synth.generate import SynthResult

BIRTHS_FILE = "births.parquet"
ORGANISATIONS_FILE = "organisations.csv"
IMD_LOOKUP_FILE = "lsoa_imd_lookup.csv"
TRUTH_DIR = "ground_truth"


def write(
    result: SynthResult,
    out: Path,
    years: range,
    seed: int,
    scale: float,
    experience: bool = True,
) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    truth = out / TRUTH_DIR
    truth.mkdir(exist_ok=True)
    paths = {
        "births": out / BIRTHS_FILE,
        "organisations": out / ORGANISATIONS_FILE,
        "imd_lookup": out / IMD_LOOKUP_FILE,
        "episodes": truth / "episodes.csv",
        "true_counts": truth / "true_counts.csv",
        "defects": truth / "injected_defects.csv",
        "manifest": truth / "manifest.json",
    }
    pq.write_table(result.births, paths["births"], row_group_size=1 << 20, compression="zstd")
    result.organisations.to_csv(paths["organisations"], index=False)
    result.imd_lookup.to_csv(paths["imd_lookup"], index=False)
    result.episodes.to_csv(paths["episodes"], index=False)
    result.truth.to_csv(paths["true_counts"], index=False)
    result.defects.to_csv(paths["defects"], index=False)
    cal = Calibration()
    manifest = {
        "generator": f"matequity {__version__}",
        "seed": seed,
        "years": [years.start, years.stop - 1],
        "scale": scale,
        "births": result.births.num_rows,
        "sites": len(result.organisations),
        "calibration": {
            "stillbirth_per_1000": {y: cal.stillbirth_per_1000[y] for y in years},
            "neonatal_per_1000": {y: cal.neonatal_per_1000[y] for y in years},
            "maternal_deaths_per_100k": cal.maternal_deaths_per_100k,
            "smm_per_1000": cal.smm_per_1000,
        },
        "synthetic": True,
    }
    if experience:
        # staff and families' experience and the community profile (issue 18)
        from matequity.synth.experience import write_experience

        more = write_experience(result.births, result.organisations, out, years, seed)
        paths.update(more)
        manifest["experience"] = {k: str(v.relative_to(out)) for k, v in more.items()}
    paths["manifest"].write_text(json.dumps(manifest, indent=2, default=str))
    return paths

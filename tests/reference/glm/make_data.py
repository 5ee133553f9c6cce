"""Generate the count tables the R glm() reference fits are run on (fixed seed).

    .venv/bin/python tests/reference/glm/make_data.py    # writes data_*.csv here
    Rscript tests/reference/glm/fit_glm.R tests/reference/glm   # writes glm_results.csv

data_disparities.csv: ethnic group x IMD quintile x age band, stillbirth-like
counts (Poisson) with confounding: the groups differ in deprivation and age.
data_its.csv: monthly counts 2018-01 to 2022-12 for two groups, an intervention in
2020-07 that lowers one group's rate, seasonality and mild overdispersion
(gamma-Poisson).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def disparities(rng: np.random.Generator) -> pd.DataFrame:
    groups = {
        "White": (1.0, 0.15),
        "Black": (2.0, 0.35),
        "Asian": (1.5, 0.30),
        "Mixed": (1.3, 0.25),
    }
    imd_rr = {"1 (most deprived)": 1.9, "2": 1.6, "3": 1.35, "4": 1.15, "5 (least deprived)": 1.0}
    ages = {"Under 25": (1.15, 0.25), "25 to 34": (1.0, 0.55), "35 or over": (1.3, 0.20)}
    rows = []
    for g, (rr, most) in groups.items():
        size = {"White": 300_000, "Black": 30_000, "Asian": 60_000, "Mixed": 15_000}[g]
        shares = np.array([most, 0.25, 0.2, 0.2, 0.35 - most])
        shares = np.clip(shares, 0.02, None)
        shares = shares / shares.sum()
        for (q, qr), qs in zip(imd_rr.items(), shares, strict=True):
            for a, (ar, ash) in ages.items():
                n = int(rng.poisson(size * qs * ash))
                y = int(rng.poisson(n * 0.0028 * rr * qr * ar))
                rows.append((g, q, a, y, n))
    cols = ["ethnic_group", "imd_quintile", "age_band", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=cols)


def its(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for g, base, level, slope in (("White", 0.0032, 1.0, 1.0), ("Black", 0.0070, 0.85, 0.95)):
        for i in range(60):
            year, month = 2018 + i // 12, i % 12 + 1
            post = i >= 30
            t_post = max(0, i - 30)
            season = 1 + 0.08 * np.cos(2 * np.pi * month / 12)
            mu = (
                base * np.exp(-0.003 * i) * season * (level if post else 1) * slope ** (t_post / 12)
            )
            n = int(rng.integers(2500, 3500) if g == "White" else rng.integers(400, 700))
            lam = rng.gamma(50.0, 1 / 50.0) * n * mu
            rows.append((g, f"{year}-{month:02d}", int(rng.poisson(lam)), n))
    return pd.DataFrame(rows, columns=["ethnic_group", "month", "numerator", "denominator"])


def main() -> None:
    rng = np.random.default_rng(20240601)
    disparities(rng).to_csv(HERE / "data_disparities.csv", index=False)
    its(rng).to_csv(HERE / "data_its.csv", index=False)


if __name__ == "__main__":
    main()

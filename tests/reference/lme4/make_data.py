"""Generate the data sets the lme4 reference fits are run on (fixed seed).

    .venv/bin/python tests/reference/lme4/make_data.py     # writes data_*.csv here
    Rscript tests/reference/lme4/fit_lme4.R tests/reference/lme4   # writes lme4_results.csv

Each file is one row per cell: org, the case-mix columns, births, deaths.
Deaths are binomial with logit p = intercept + case-mix effects + an
organisation effect drawn from N(0, sd²).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def casemix(rng: np.random.Generator) -> pd.DataFrame:
    """40 organisations x 3 age bands x 2 deprivation groups; about 4 per 1,000."""
    ages = {"20-34": 0.0, "<20": 0.25, "35+": 0.45}
    age_share = {"20-34": 0.72, "<20": 0.06, "35+": 0.22}
    deps = {"most": 0.0, "least": -0.5}
    org_effect = rng.normal(0.0, 0.25, 40)
    rows = []
    for j in range(40):
        size = rng.integers(1500, 9000)
        most = rng.uniform(0.3, 0.7)
        for a, ea in ages.items():
            for d, ed in deps.items():
                share = age_share[a] * (most if d == "most" else 1 - most)
                births = max(int(rng.poisson(size * share)), 1)
                p = 1 / (1 + np.exp(-(-5.4 + ea + ed + org_effect[j])))
                rows.append((f"T{j + 1:02d}", a, d, births, int(rng.binomial(births, p))))
    return pd.DataFrame(rows, columns=["org", "age_band", "deprivation", "births", "deaths"])


def intercept_only(rng: np.random.Generator, n_orgs: int, sd: float) -> pd.DataFrame:
    """One cell per organisation; about 3.5 per 1,000."""
    births = rng.integers(800, 7000, n_orgs)
    p = 1 / (1 + np.exp(-(np.log(0.0035 / 0.9965) + rng.normal(0.0, sd, n_orgs))))
    return pd.DataFrame(
        {
            "org": [f"U{j + 1:02d}" for j in range(n_orgs)],
            "births": births,
            "deaths": rng.binomial(births, p),
        }
    )


def main() -> None:
    rng = np.random.default_rng(20240517)
    casemix(rng).to_csv(HERE / "data_casemix.csv", index=False)
    intercept_only(rng, 25, 0.2).to_csv(HERE / "data_intercept.csv", index=False)
    intercept_only(rng, 30, 0.0).to_csv(HERE / "data_nosd.csv", index=False)


if __name__ == "__main__":
    main()

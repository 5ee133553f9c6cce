"""Synthetic organisations: 7 regions, 42 LMNS, about 120 trusts and 190 sites.

Site sizes follow a log-normal spread clipped to 500-9,000 births a year (the
range of English obstetric units). Names are visibly synthetic; region codes
are NHS England's real region codes (Y56-Y63).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity.synth.calibration import (
    LNU_SITE_SHARE,
    NICU_SURGICAL_TRUST_SHARE,
    NICU_TRUST_SHARE,
    REGIONS,
)

N_TRUSTS = 120


@dataclass(frozen=True)
class Geography:
    organisations: pd.DataFrame  # the organisations table (contract columns)
    site_region: np.ndarray  # region index per site
    site_trust: np.ndarray  # trust index per site
    site_weight: np.ndarray  # share of its region's births
    trust_effect: np.ndarray  # log-odds random effect per trust
    imd_only_trust: np.ndarray  # trusts that send LSOA but no IMD decile
    trust_unknown_ethnicity: np.ndarray  # probability a record has no stated ethnicity


def _letters(i: int) -> str:
    a = "ABCDEFGHJKLMNPQRTUVWXY"
    return a[i // len(a) % len(a)] + a[i % len(a)]


def build(rng: np.random.Generator, trust_sd: float, total_births: float) -> Geography:
    rows = []
    site_region, site_trust, site_weight = [], [], []
    trust_region = []
    shares = np.array([r.birth_share for r in REGIONS])
    trusts_per_region = np.maximum(
        np.round(shares / shares.sum() * N_TRUSTS).astype(int), [r.n_lmns for r in REGIONS]
    )
    t_index = 0
    lmns_no = 0
    for ri, region in enumerate(REGIONS):
        n_t = int(trusts_per_region[ri])
        lmns_of_trust = np.sort(np.arange(n_t) % region.n_lmns)
        region_births = total_births * region.birth_share
        # sites per trust: 1 (47%), 2 (39%), 3 (14%)
        n_sites = rng.choice([1, 2, 3], size=n_t, p=[0.47, 0.39, 0.14])
        raw = rng.lognormal(mean=0.0, sigma=0.55, size=int(n_sites.sum()))
        target = region_births / raw.size
        sizes = np.clip(raw / raw.mean() * target, 500, 9000)
        k = 0
        for ti in range(n_t):
            lmns_code = f"QS{lmns_no + lmns_of_trust[ti] + 1:02d}"
            lmns_name = f"{region.name} LMNS {lmns_of_trust[ti] + 1} (synthetic)"
            trust_code = f"R{_letters(t_index)}"
            for si in range(int(n_sites[ti])):
                rows.append(
                    {
                        "site_code": f"{trust_code}{si + 1:02d}",
                        "site_name": f"Synthetic Hospital {t_index + 1:03d}-{si + 1}",
                        "trust_code": trust_code,
                        "trust_name": f"Synthetic NHS Trust {t_index + 1:03d}",
                        "lmns_code": lmns_code,
                        "lmns_name": lmns_name,
                        "region_code": region.code,
                        "region_name": region.name,
                    }
                )
                site_region.append(ri)
                site_trust.append(t_index)
                site_weight.append(sizes[k])
                k += 1
            trust_region.append(ri)
            t_index += 1
        lmns_no += region.n_lmns
    site_region_a = np.array(site_region)
    weights = np.array(site_weight, dtype=float)
    for ri in range(len(REGIONS)):
        m = site_region_a == ri
        weights[m] = weights[m] / weights[m].sum()
    n_trusts = t_index
    trust_effect = rng.normal(0.0, trust_sd, size=n_trusts)
    imd_only = rng.random(n_trusts) < 0.3
    # ethnicity completeness varies by trust; about one in ten below 90%
    unknown = rng.uniform(0.005, 0.06, size=n_trusts)
    poor = rng.random(n_trusts) < 0.1
    unknown[poor] = rng.uniform(0.10, 0.18, size=int(poor.sum()))
    return Geography(
        organisations=pd.DataFrame(rows),
        site_region=site_region_a,
        site_trust=np.array(site_trust),
        site_weight=weights,
        trust_effect=trust_effect,
        imd_only_trust=imd_only,
        trust_unknown_ethnicity=unknown,
    )


def neonatal_unit_levels(
    rng: np.random.Generator, site_trust: np.ndarray, site_births: np.ndarray
) -> np.ndarray:
    """A neonatal unit level for each site (calibration.py: shares of trusts with a
    surgical NICU and a NICU; NICUs in larger trusts, at their largest site)."""
    n_trusts = int(site_trust.max()) + 1
    trust_births = np.bincount(site_trust, weights=site_births, minlength=n_trusts)
    n_surgical = round(n_trusts * NICU_SURGICAL_TRUST_SHARE)
    n_nicu = round(n_trusts * NICU_TRUST_SHARE)
    p = trust_births**2 / np.sum(trust_births**2)
    chosen = rng.choice(n_trusts, size=n_surgical + n_nicu, replace=False, p=p)
    trust_level = np.full(n_trusts, "", dtype=object)
    trust_level[chosen[:n_surgical]] = "NICU_surgical"
    trust_level[chosen[n_surgical:]] = "NICU"
    levels = np.where(rng.random(len(site_trust)) < LNU_SITE_SHARE, "LNU", "SCU").astype(object)
    for t in np.flatnonzero(trust_level != ""):
        sites = np.flatnonzero(site_trust == t)
        levels[sites[np.argmax(site_births[sites])]] = trust_level[t]
    return levels

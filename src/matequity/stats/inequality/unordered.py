"""Inequality summaries for unordered dimensions (e.g. ethnic group).

Formulas: WHO HEAT technical notes, as implemented by the ``healthequal`` R
package (Schlotheuber & Hosseinpoor 2022). With p_j population shares, mu the
population-weighted mean, y_j group values:

BGV = sum p_j (y_j - mu)^2 (analytic SE); BGSD = sqrt(BGV); COV = 100 BGSD / mu;
MDMU/MDMW = (weighted) mean |y_j - mu|; MDBU/MDBW = (weighted) mean |y_j - best|;
MDRU/MDRW = (weighted) mean |y_j - y_ref|; IDISU/IDISW = 100 MDM / mu;
TI = 1000 sum p_j r_j ln r_j, MLD = 1000 sum p_j (-ln r_j), r_j = y_j / mu.

Where healthequal scales wrongly, matequity does not: TI and MLD standard errors
are multiplied by 1000 like the estimates (healthequal's are not, so its
intervals are 1000 times too narrow). Simulation intervals (BGSD, COV, IDIS, MD)
draw group values from normal distributions truncated at 0 (seeded) and
recompute mu in every draw (healthequal keeps the original mu for IDISW).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matequity.stats.inequality.result import Summary


def _stats(y: np.ndarray, p: np.ndarray, best: float, ref: float | None) -> dict[str, float]:
    mu = float(np.sum(p * y))
    dm = np.abs(y - mu)
    out = {
        "bgsd": float(np.sqrt(np.sum(p * (y - mu) ** 2))),
        "mdmu": float(dm.mean()),
        "mdmw": float(np.sum(p * dm)),
        "mdbu": float(np.abs(y - best).mean()),
        "mdbw": float(np.sum(p * np.abs(y - best))),
    }
    out["cov"] = 100 * out["bgsd"] / mu
    out["idisu"] = 100 * out["mdmu"] / mu
    out["idisw"] = 100 * out["mdmw"] / mu
    if ref is not None:
        out["mdru"] = float(np.abs(y - ref).mean())
        out["mdrw"] = float(np.sum(p * np.abs(y - ref)))
    return out


def unordered(
    y: np.ndarray,
    se: np.ndarray,
    pop: np.ndarray,
    higher_is_better: bool,
    reference_index: int | None = None,
    upper_bound: float | None = None,
    confidence: float = 0.95,
    sims: int = 2000,
    seed: int = 123456,
) -> list[Summary]:
    p = pop / pop.sum()
    mu = float(np.sum(p * y))
    best_fn: Callable[[np.ndarray], float] = np.max if higher_is_better else np.min
    best = float(best_fn(y))
    ref = float(y[reference_index]) if reference_index is not None else None
    point = _stats(y, p, best, ref)
    # simulation intervals
    rng = np.random.default_rng(seed)
    draws = rng.normal(y, se, size=(sims, y.size))
    bad = draws < 0
    if upper_bound is not None:
        bad |= draws > upper_bound
    for _ in range(1000):  # rejection, as healthequal
        if not bad.any():
            break
        draws[bad] = rng.normal(
            np.broadcast_to(y, draws.shape)[bad], np.broadcast_to(se, draws.shape)[bad]
        )
        bad = draws < 0 if upper_bound is None else (draws < 0) | (draws > upper_bound)
    sims_stats = [
        _stats(d, p, float(best_fn(d)), float(d[reference_index]) if ref is not None else None)
        for d in draws
    ]
    a = (1 - confidence) / 2
    method = f"simulation ({sims:,} draws, seed {seed})"
    out = []
    bgv = float(np.sum(p * (y - mu) ** 2))
    var_bgv = 4 * np.sum(p**2 * se**2 * (y - mu) ** 2) + 2 * (
        np.sum(p**2 * se**2) ** 2 - np.sum(p**4 * se**4) + np.sum(p**2 * (1 - p) ** 2 * se**4)
    )
    out.append(
        Summary.normal(
            "bgv", bgv, float(np.sqrt(var_bgv)), "analytic SE (HEAT)", confidence=confidence
        )
    )
    for name, value in point.items():
        vals = np.array([s[name] for s in sims_stats])
        lo, hi = np.quantile(vals, [a, 1 - a])
        out.append(Summary(name, value, np.nan, float(lo), float(hi), method))
    r = np.where(y == 0, 1e-6, y) / mu
    ti = 1000 * float(np.sum(p * r * np.log(r)))
    inner = np.sum(p * r * (1 + np.log(r)))
    se_ti = 1000 * float(np.sqrt(np.sum((1 + np.log(r) - inner) ** 2 * p**2 * se**2) / mu**2))
    mld = 1000 * float(np.sum(p * -np.log(r)))
    se_mld = 1000 * float(np.sqrt(np.sum(p**2 * se**2 * (1 - 1 / r) ** 2) / mu**2))
    out.append(Summary.normal("theil", ti, se_ti, "analytic SE x 1000", confidence=confidence))
    out.append(Summary.normal("mld", mld, se_mld, "analytic SE x 1000", confidence=confidence))
    return out

"""Synthetic England: deterministic, shaped like England, truthful about itself."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pandas as pd
import pytest

from matequity import engine as engines
from matequity.counts.compute import count_table
from matequity.measures.catalogue import BY_NAME
from matequity.synth.calibration import STILLBIRTH_PER_1000
from matequity.synth.generate import generate, solve_intercept


def _digest(res) -> str:
    h = hashlib.sha256()
    for col in res.births.columns:
        h.update(repr(col.to_pylist()[:2000]).encode())
    h.update(res.episodes.to_csv().encode())
    return h.hexdigest()


def test_deterministic_for_a_seed():
    a = generate(range(2020, 2021), seed=3, scale=0.01)
    b = generate(range(2020, 2021), seed=3, scale=0.01)
    c = generate(range(2020, 2021), seed=4, scale=0.01)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


@pytest.fixture(scope="module")
def year():
    """One full-size year (about 560k births): the calibration is checked at scale."""
    return generate(range(2023, 2024), seed=11, scale=1.0, defects=False)


def test_organisations_shape(year):
    o = year.organisations
    assert o["region_code"].nunique() == 7
    assert o["lmns_code"].nunique() == 42
    assert 110 <= o["trust_code"].nunique() <= 130
    assert 170 <= len(o) <= 215
    sizes = pd.Series(year.births.column("site_code").to_numpy(zero_copy_only=False)).value_counts()
    assert sizes.min() >= 350 and sizes.max() <= 10_000
    assert 540_000 <= year.births.num_rows <= 600_000


def test_true_rates_match_published_figures(year):
    t = year.truth.set_index("true_ethnic_group")
    tot = t.sum()
    sb = tot.stillbirths / tot.total_births * 1000
    nn = tot.neonatal_deaths / tot.live_births * 1000
    assert sb == pytest.approx(STILLBIRTH_PER_1000[2023], abs=0.25)
    assert nn == pytest.approx(1.63, abs=0.2)
    rate = t.stillbirths / t.total_births
    assert 1.8 <= rate["Black"] / rate["White"] <= 2.6  # MBRRACE: about twice
    assert 1.3 <= rate["Asian"] / rate["White"] <= 1.9


def test_recorded_data_shape(year, tmp_path):
    """Deprivation gradient, London's diversity, ethnicity completeness by trust."""
    from matequity.synth import write

    paths = write.write(year, tmp_path, range(2023, 2024), 11, 1.0)
    con = duckdb.connect()
    b = f"read_parquet('{paths['births']}')"
    o = f"read_csv('{paths['organisations']}')"
    lk = f"read_csv('{paths['imd_lookup']}')"
    dep = con.execute(f"""
        SELECT (coalesce(b.imd_decile, l.imd_decile) + 1) // 2 AS q,
               avg(CASE WHEN outcome = 'still' AND gestation_days >= 168 THEN 1.0 ELSE 0 END) AS sb
        FROM {b} b LEFT JOIN {lk} l USING (lsoa_code) GROUP BY q HAVING q IS NOT NULL ORDER BY q
    """).fetchall()
    ratio = dep[0][1] / dep[-1][1]
    assert 1.6 <= ratio <= 2.4  # most vs least deprived quintile: about 1.7-2x
    white = dict(
        con.execute(f"""
        SELECT o.region_name, avg(CASE WHEN ethnic_category IN ('A','B','C') THEN 1.0 ELSE 0 END)
        FROM {b} b JOIN {o} o USING (site_code) GROUP BY 1
    """).fetchall()
    )
    assert white["London"] < 0.5 < min(v for k, v in white.items() if k != "London")
    comp = con.execute(f"""
        SELECT o.trust_code, avg(CASE WHEN ethnic_category NOT IN ('Z','99')
                                  AND ethnic_category IS NOT NULL THEN 1.0 ELSE 0 END) AS c
        FROM {b} b JOIN {o} o USING (site_code) GROUP BY 1
    """).df()
    assert (comp["c"] < 0.90).sum() >= 3
    assert (comp["c"] > 0.95).sum() >= 60


def test_episodes_in_ground_truth(synthetic):
    ep = pd.read_csv(synthetic["episodes"])
    assert set(ep.columns) == {"site_code", "start", "end", "odds_ratio", "outcomes"}
    assert len(ep) == 4  # 2 a year for 2 years
    assert set(ep["odds_ratio"]) <= {1.5, 2.0, 3.0}
    assert (pd.to_datetime(ep["end"]) > pd.to_datetime(ep["start"])).all()


def test_injected_defects_are_exactly_what_ingest_quarantines(synthetic, synthetic_store):
    expected = pd.read_csv(synthetic["defects"]).set_index("reason")["rows"].to_dict()
    con = duckdb.connect(str(synthetic_store), read_only=True)
    got = dict(con.execute("SELECT reason, count(*) FROM quarantine GROUP BY 1").fetchall())
    assert got == expected


def test_ingested_rates_are_plausible(synthetic_store):
    e = engines.open("duckdb", synthetic_store)
    df = count_table(
        e,
        [
            BY_NAME[m]
            for m in ("stillbirth", "neonatal_mortality", "preterm_birth", "maternal_mortality")
        ],
        period="all",
    )
    r = dict(zip(df["measure"], df["numerator"] / df["denominator"], strict=True))
    assert 2.5 <= r["stillbirth"] * 1000 <= 4.5
    assert 1.0 <= r["neonatal_mortality"] * 1000 <= 2.4
    assert 0.06 <= r["preterm_birth"] <= 0.095


def test_solve_intercept():
    lp = np.random.default_rng(0).normal(0, 1, 10000)
    a = solve_intercept(lp, 0.0035)
    assert np.mean(1 / (1 + np.exp(-(a + lp)))) == pytest.approx(0.0035, rel=1e-9)

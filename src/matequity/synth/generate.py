"""A synthetic England: births with known truth, generated in seconds.

Risks follow a logistic model on the odds: mother's ethnic group, IMD decile,
maternal age, multiplicity, gestation and a trust random effect, with the
intercept solved each year so that the England rate matches the published
figure for that year (:mod:`matequity.synth.calibration`). Episodes of
deteriorating intrapartum care multiply the odds of term stillbirth and term
neonatal death at one site for some months; they are written to the ground
truth, as are the true (unmasked) ethnic groups' counts and any injected
defects. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from matequity.model.definitions import DEFINITIONS
from matequity.synth import geography
from matequity.synth.calibration import (
    AGE_RR,
    BROAD_GROUPS,
    CODES_IN_GROUP,
    DECILE_SHARES,
    DEPRIVATION_RR,
    GROUP_RISK,
    MULTIPLE_RR,
    REGIONS,
    Calibration,
)

EPOCH = dt.date(1970, 1, 1)
DEFECT_REASONS = (
    "unknown_ethnic_code",
    "gestation_out_of_range",
    "unknown_site",
    "duplicate_baby_id",
    "birthweight_out_of_range",
    "death_before_birth",
    "invalid_outcome",
)


@dataclass(frozen=True)
class SynthResult:
    births: pa.Table
    organisations: pd.DataFrame
    imd_lookup: pd.DataFrame
    episodes: pd.DataFrame
    truth: pd.DataFrame  # true counts by year and true broad ethnic group
    defects: pd.DataFrame  # reason, rows (expected quarantine counts)


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def solve_intercept(lp: np.ndarray, target: float) -> float:
    """The intercept a with mean(expit(a + lp)) = target (Newton's method)."""
    a = float(_logit(np.array([target]))[0] - np.mean(lp))
    for _ in range(50):
        p = _expit(a + lp)
        f = p.mean() - target
        d = (p * (1 - p)).mean()
        step = f / d
        a -= step
        if abs(step) < 1e-10:
            break
    return a


def _pick(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw from cumulative probabilities (n x k)."""
    u = rng.random(cum.shape[0])
    return np.minimum((u[:, None] > cum).sum(axis=1), cum.shape[1] - 1)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("int32"), type=pa.int32()).cast(pa.date32())


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    s = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), 9, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), s, "")


def _age_rr(age: np.ndarray) -> np.ndarray:
    return np.select(
        [age < 20, age < 35, age < 40],
        [AGE_RR["<20"], AGE_RR["20-34"], AGE_RR["35-39"]],
        AGE_RR["40+"],
    )


def generate(
    years: range,
    seed: int,
    scale: float = 1.0,
    episodes_per_year: float = 2.0,
    defects: bool = True,
    calibration: Calibration | None = None,
) -> SynthResult:
    cal = calibration or Calibration()
    root = np.random.SeedSequence(seed)
    geo_seed, ep_seed, *year_seeds = root.spawn(2 + len(years))
    total = np.mean([cal.births_per_year[y] for y in years]) * scale
    geo = geography.build(np.random.default_rng(geo_seed), cal.trust_sd, total)
    orgs = geo.organisations
    n_sites = len(orgs)
    site_codes = orgs.site_code.to_numpy()
    region_share = np.array([r.birth_share for r in REGIONS])
    site_p = region_share[geo.site_region] * geo.site_weight
    site_p /= site_p.sum()
    # its own stream (a spawn key no other child uses), so no other draw changes
    levels_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1017,)))
    orgs = orgs.assign(
        neonatal_unit_level=geography.neonatal_unit_levels(levels_rng, geo.site_trust, site_p)
    )

    episodes = _episodes(np.random.default_rng(ep_seed), years, episodes_per_year, site_p, orgs)
    lookup = _lsoa_lookup()

    tables, truths = [], []
    baby_offset = delivery_offset = 0
    for y, ys in zip(years, year_seeds, strict=True):
        t, truth, nb, nd = _year(
            np.random.default_rng(ys),
            y,
            cal,
            scale,
            geo,
            site_p,
            site_codes,
            episodes,
            baby_offset,
            delivery_offset,
        )
        tables.append(t)
        truths.append(truth)
        baby_offset += nb
        delivery_offset += nd
    births = pa.concat_tables(tables)
    defect_counts = pd.DataFrame({"reason": [], "rows": []})
    if defects:
        births, defect_counts = _inject_defects(
            np.random.default_rng(root.spawn(1)[0]), births, n_sites
        )
    return SynthResult(
        births, orgs, lookup, episodes, pd.concat(truths, ignore_index=True), defect_counts
    )


def _lsoa_lookup() -> pd.DataFrame:
    rows = [
        (f"SYN{ri}{d:02d}{k:03d}", d)
        for ri in range(len(REGIONS))
        for d in range(1, 11)
        for k in range(40)
    ]
    return pd.DataFrame(rows, columns=["lsoa_code", "imd_decile"])


def _episodes(rng, years, per_year, site_p, orgs) -> pd.DataFrame:
    n = round(per_year * len(years))
    rows = []
    ors = (1.5, 2.0, 3.0)
    for i in range(n):
        s = int(rng.choice(len(site_p), p=site_p))
        y = int(rng.choice(list(years)))
        m = int(rng.integers(1, 13))
        start = dt.date(y, m, 1)
        months = int(rng.integers(3, 10))
        em, ey = (m - 1 + months) % 12 + 1, y + (m - 1 + months) // 12
        end = dt.date(ey, em, 1) - dt.timedelta(days=1)
        rows.append(
            {
                "site_code": orgs.site_code.iloc[s],
                "start": start,
                "end": end,
                "odds_ratio": ors[i % 3],
                "outcomes": "term stillbirth; term neonatal death",
            }
        )
    return pd.DataFrame(rows, columns=["site_code", "start", "end", "odds_ratio", "outcomes"])


def _year(rng, year, cal, scale, geo, site_p, site_codes, episodes, b_off, d_off):
    defs = DEFINITIONS
    n_babies = round(cal.births_per_year[year] * scale)
    twin = cal.twin_delivery_share
    nd = round(n_babies / (1 + twin))
    # --- deliveries -------------------------------------------------------
    site = rng.choice(len(site_p), size=nd, p=site_p)
    region = geo.site_region[site]
    trust = geo.site_trust[site]
    mix = np.array([r.ethnic_mix for r in REGIONS])
    mix = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    group = _pick(rng, mix[region])
    kmax = max(len(v) for v in CODES_IN_GROUP.values())
    code_cum = np.ones((len(BROAD_GROUPS), kmax))
    code_shift = np.zeros((len(BROAD_GROUPS), kmax))
    code_names = np.full((len(BROAD_GROUPS), kmax), "", dtype=object)
    for gi, g in enumerate(BROAD_GROUPS):
        entries = CODES_IN_GROUP[g]
        code_cum[gi, : len(entries)] = np.cumsum([e[1] for e in entries])
        code_shift[gi, : len(entries)] = [e[2] for e in entries]
        code_names[gi, : len(entries)] = [e[0] for e in entries]
    sub = _pick(rng, code_cum[group])
    true_code = code_names[group, sub]
    z = (
        np.array([r.deprivation_shift for r in REGIONS])[region]
        + code_shift[group, sub]
        + rng.normal(0, 1, nd)
    )
    cuts = np.quantile(z, 1 - np.cumsum(DECILE_SHARES)[:-1])
    decile = 1 + (z[:, None] < cuts[None, :]).sum(axis=1)
    age = np.clip(np.round(rng.normal(30.8 - 0.35 * (10 - decile) / 9 * 5, 5.4)), 15, 49)
    parity = np.minimum(rng.poisson(0.95, nd), 12)
    n_in = np.where(rng.random(nd) < twin, 2, 1)
    # gestation (days), shared by the babies of a delivery
    dep = (10 - decile) / 9
    pt_rr = np.where(group == 3, 1.3, 1.0) * np.where(group == 2, 1.1, 1.0) * (1 + 0.3 * dep)
    p_pt = np.where(n_in == 2, 0.55, cal.preterm_share * 0.80 * pt_rr)
    pre = rng.random(nd) < p_pt
    very = rng.random(nd) < 0.0045
    g_term = np.clip(np.round(rng.normal(280, 8.5, nd)), 259, 300)
    g_post = rng.integers(301, 316, nd)
    g_term = np.where(rng.random(nd) < 0.004, g_post, g_term)
    g_twin_term = rng.integers(259, 268, nd)
    g_term = np.where(n_in == 2, g_twin_term, g_term)
    g_pre = np.clip(258 - np.floor(rng.exponential(17, nd)), 154, 258)
    g_very = rng.integers(141, 176, nd)
    gest = np.where(very, g_very, np.where(pre, g_pre, g_term)).astype(int)
    start = (dt.date(year, 1, 1) - EPOCH).days
    ndays = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    bdate = start + rng.integers(0, ndays, nd)
    booking_early = rng.random(nd) < _expit(
        _logit(np.array([cal.booked_by_10_weeks]))[0]
        + 0.35
        - 0.6 * dep
        - 0.5 * (group == 3)
        - 0.2 * (group == 2)
    )
    booking = np.where(
        booking_early,
        rng.integers(42, 71, nd),
        np.minimum(71 + np.floor(rng.exponential(28, nd)), gest),
    ).astype(float)
    booking[rng.random(nd) < 0.02] = np.nan
    # maternal outcomes (per delivery)
    lrr = lambda d, key: np.log(np.array([d[g] for g in BROAD_GROUPS]))[group]  # noqa: E731
    age_l = np.log(_age_rr(age))
    lp_md = lrr(GROUP_RISK.maternal_death, 0) + np.log(DEPRIVATION_RR["maternal_death"]) * dep
    lp_md += age_l * 1.5
    md = rng.random(nd) < _expit(solve_intercept(lp_md, cal.maternal_deaths_per_100k / 1e5) + lp_md)
    lp_smm = lrr(GROUP_RISK.smm, 0) + np.log(DEPRIVATION_RR["smm"]) * dep + age_l
    smm = rng.random(nd) < _expit(solve_intercept(lp_smm, cal.smm_per_1000 / 1e3) + lp_smm)
    # --- babies -----------------------------------------------------------
    di = np.repeat(np.arange(nd), n_in)
    nb = di.size
    g = gest[di]
    grp, dec, ag, tr, st = group[di], decile[di], age[di], trust[di], site[di]
    dep_b = (10 - dec) / 9
    common = np.log(_age_rr(ag)) + geo.trust_effect[tr]
    twin_b = n_in[di] == 2
    # episodes: term babies at the site within the window
    ep_or = np.ones(nb)
    bd = bdate[di]
    for e in episodes.itertuples():
        s_idx = np.flatnonzero(site_codes == e.site_code)[0]
        lo, hi = (e.start - EPOCH).days, (e.end - EPOCH).days
        hit = (st == s_idx) & (bd >= lo) & (bd <= hi) & (g >= defs.term_min_days)
        ep_or[hit] = e.odds_ratio
    viable = g >= defs.stillbirth_min_days
    lp_sb = (
        common
        + np.log(np.array([GROUP_RISK.stillbirth[x] for x in BROAD_GROUPS]))[grp]
        + np.log(DEPRIVATION_RR["stillbirth"]) * dep_b
        + np.log(MULTIPLE_RR["stillbirth"]) * twin_b
        + np.select([g < 196, g < 259], [np.log(100.0), np.log(14.0)], 0.0)
    )
    a_sb = solve_intercept(lp_sb[viable], cal.stillbirth_per_1000[year] / 1000)
    p_sb = _expit(a_sb + lp_sb + np.log(ep_or))
    p_sb = np.where(viable, p_sb, 0.55)
    still = rng.random(nb) < p_sb
    lp_nn = (
        common
        + np.log(np.array([GROUP_RISK.neonatal[x] for x in BROAD_GROUPS]))[grp]
        + np.log(DEPRIVATION_RR["neonatal"]) * dep_b
        + np.log(MULTIPLE_RR["neonatal"]) * twin_b
        + np.select([g < 196, g < 259], [np.log(250.0), np.log(10.0)], 0.0)
    )
    live24 = viable & ~still
    a_nn = solve_intercept(lp_nn[live24], cal.neonatal_per_1000[year] / 1000)
    p_nn = np.where(viable, _expit(a_nn + lp_nn + np.log(ep_or)), 0.7)
    dies = ~still & (rng.random(nb) < p_nn)
    age_death = np.select(
        [rng.random(nb) < 0.4, rng.random(nb) < 0.6],
        [0, rng.integers(1, 7, nb)],
        rng.integers(7, 28, nb),
    )
    later = ~still & ~dies & (rng.random(nb) < 0.001)
    age_death = np.where(later, rng.integers(28, 365, nb), age_death)
    died = dies | later
    termination = rng.random(nb) < 0.0006
    still = np.where(termination & (rng.random(nb) < 0.8), True, still)
    died = died & ~still
    # birthweight: median by gestation (UK growth reference, rounded), log-normal spread
    weeks = np.array([20, 24, 28, 32, 34, 37, 40, 42, 45])
    grams = np.array([330, 650, 1100, 1800, 2300, 2950, 3450, 3650, 3750])
    med = np.interp(g / 7, weeks, grams)
    med *= np.where(grp == 2, 0.95, 1.0) * np.where(grp == 3, 0.97, 1.0) * (1 - 0.04 * dep_b)
    med *= np.where(twin_b, 0.9, 1.0) * np.where(still, 0.85, 1.0)
    bw = np.clip(np.round(med * np.exp(rng.normal(0, 0.13, nb))), 150, 6500)
    bw_missing = rng.random(nb) < 0.015
    bw_unknown = rng.random(nb) < 0.002
    # recorded ethnicity: masked by trust-level incompleteness (not at random)
    p_unk = geo.trust_unknown_ethnicity[tr] * np.where(grp == 0, 1.0, 1.5)
    unk = rng.random(nb) < p_unk
    unk_kind = rng.random(nb)
    rec = true_code[di].astype(object)
    rec = np.where(unk & (unk_kind < 0.3), "Z", rec)
    rec = np.where(unk & (unk_kind >= 0.3) & (unk_kind < 0.7), "99", rec)
    rec = np.where(unk & (unk_kind >= 0.7), None, rec)
    # deprivation as recorded: IMD decile and/or LSOA
    lsoa_k = rng.integers(0, 40, nb)
    lsoa = np.char.add(
        np.char.add("SYN", region[di].astype(str)),
        np.char.add(np.char.zfill(dec.astype(str), 2), np.char.zfill(lsoa_k.astype(str), 3)),
    ).astype(object)
    no_postcode = rng.random(nb) < 0.01
    imd_rec = np.where(geo.imd_only_trust[tr] | no_postcode, np.nan, dec)
    lsoa = np.where(no_postcode, None, lsoa)
    sex = np.where(rng.random(nb) < 0.513, "M", "F").astype(object)
    sex[rng.random(nb) < 0.0005] = "X"
    baby_no = b_off + np.arange(nb)
    deliv_no = d_off + di
    mask_bw = bw_missing
    t = pa.table(
        {
            "baby_id": _ids("B", baby_no),
            "delivery_id": _ids("D", deliv_no),
            "mother_id": _ids("M", deliv_no),
            "site_code": pa.array(site_codes[st]),
            "birth_date": _dates(bd),
            "gestation_days": pa.array(g.astype("int32")),
            "outcome": pa.array(np.where(still, "still", "live")),
            "termination": pa.array(termination),
            "death_date": pa.array((bd + age_death).astype("int32"), mask=~died).cast(pa.date32()),
            "birthweight_g": pa.array(np.where(bw_unknown, 9999, bw).astype("int32"), mask=mask_bw),
            "sex": pa.array(sex, type=pa.string()),
            "babies_in_delivery": pa.array(n_in[di].astype("int32")),
            "ethnic_category": pa.array(rec, type=pa.string()),
            "imd_decile": pa.array(np.nan_to_num(imd_rec).astype("int32"), mask=np.isnan(imd_rec)),
            "lsoa_code": pa.array(lsoa, type=pa.string()),
            "mother_age": pa.array(ag.astype("int32")),
            "previous_births": pa.array(parity[di].astype("int32")),
            "booking_gestation_days": pa.array(
                np.nan_to_num(booking[di]).astype("int32"), mask=np.isnan(booking[di])
            ),
            "maternal_death": pa.array(md[di]),
            "severe_maternal_morbidity": pa.array(smm[di]),
        }
    )
    # true counts by true broad group (before masking): the ground truth
    counted = ~termination
    sb = still & viable & counted
    tb = (viable & counted & ~still) | sb
    nnd = died & ~still & viable & counted & (age_death <= defs.neonatal_max_age_days)
    lb = viable & counted & ~still
    truth = pd.DataFrame(
        {
            "year": year,
            "true_ethnic_group": BROAD_GROUPS,
            "total_births": np.bincount(grp[tb], minlength=5),
            "stillbirths": np.bincount(grp[sb], minlength=5),
            "live_births": np.bincount(grp[lb], minlength=5),
            "neonatal_deaths": np.bincount(grp[nnd], minlength=5),
        }
    )
    return t, truth, nb, nd


def _replace(arr: pa.ChunkedArray, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """``arr`` with ``values`` at ``rows`` (rows sorted ascending)."""
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(arr.combine_chunks(), pa.array(mask), values.cast(arr.type))


def _inject_defects(rng, births: pa.Table, n_sites: int) -> tuple[pa.Table, pd.DataFrame]:
    """Corrupt a few rows, one defect each, so that ingest has something to
    quarantine. Returns the expected quarantine count per reason."""
    n = births.num_rows
    k = max(1, n // 20000)
    rows = rng.choice(n, size=k * (len(DEFECT_REASONS) + 1), replace=False)
    ch = [np.sort(c) for c in np.split(rows, len(DEFECT_REASONS) + 1)]
    t = births

    def put(name: str, r: np.ndarray, values: pa.Array) -> None:
        nonlocal t
        i = t.schema.get_field_index(name)
        t = t.set_column(i, name, _replace(t.column(name), r, values))

    put("ethnic_category", ch[0], pa.array(["Q"] * k))
    put("gestation_days", ch[1], pa.array([400] * k))
    put("site_code", ch[2], pa.array(["ZZ999"] * k))
    # duplicates of other rows (with different content): both rows are quarantined
    put("baby_id", ch[3], t.column("baby_id").take(pa.array(ch[7])).combine_chunks())
    put("birthweight_g", ch[4], pa.array([12000] * k))
    bd = t.column("birth_date").take(pa.array(ch[5])).cast(pa.int32()).to_numpy()
    put("death_date", ch[5], pa.array(bd - 3, type=pa.int32()).cast(pa.date32()))
    put("outcome", ch[6], pa.array(["unknown"] * k))
    counts = pd.DataFrame({"reason": list(DEFECT_REASONS), "rows": [k, k, k, 2 * k, k, k, k]})
    return t, counts

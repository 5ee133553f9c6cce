"""Families' experience, the community profile and the released analysis
results, against hand-derived values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from matequity.disclosure.policy import ANALYST_ONLY, POLICIES
from matequity.experience import family as fam
from matequity.experience.analysis import community_profile, family_experience, staff_experience
from matequity.experience.population import births_vs_population

Z = 1.959963984540054


def wilson(x, n):
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def test_cqc_band_from_the_expected_range_and_change():
    survey = pd.DataFrame(
        {
            "org_code": ["T1"] * 4,
            "period": ["2022", "2023", "2023", "2023"],
            "question_id": ["B12", "B12", "C3", "C14"],
            "score": [8.0, 8.9, 7.1, 9.0],
            "expected_lower": [7.8, 8.0, 7.5, 8.6],
            "expected_upper": [8.6, 8.7, 8.4, 9.4],
            "band": ["", "", "", "Somewhat better than expected"],
        }
    )
    r = fam.cqc_results(survey).set_index(["period", "question_id"])
    assert r.loc[("2023", "B12"), "band"] == "Better than expected"  # 8.9 > 8.7
    assert r.loc[("2023", "C3"), "band"] == "Worse than expected"  # 7.1 < 7.5
    assert r.loc[("2022", "B12"), "band"] == "About the same"
    assert r.loc[("2023", "C14"), "band_source"] == "CQC"  # CQC's own band is kept
    assert r.loc[("2023", "B12"), "change_since_previous"] == pytest.approx(0.9)
    assert (r["ethnicity_note"] == fam.CQC_ETHNICITY_NOTE).all()
    s = fam.cqc_summary(r.reset_index())
    y23 = s[s.period == "2023"].iloc[0]
    assert (y23.better_than_expected, y23.worse_than_expected, y23.about_the_same) == (2, 1, 0)


def test_cqc_national_subgroups_gap_to_the_best_group():
    nat = pd.DataFrame(
        {
            "period": "2023",
            "question_id": "B12",
            "ethnic_group": ["White", "Asian or Asian British", "Black or Black British"],
            "score": [8.4, 8.0, 8.6],
        }
    )
    g = fam.cqc_national_gaps(nat).set_index("ethnic_group")
    assert (g["best_group"] == "Black or Black British").all()
    assert g.loc["Asian or Asian British", "gap_to_best"] == pytest.approx(-0.6)
    assert (g["level"] == "England").all() and "national" in g["source"].iloc[0]


def test_fft_percentage_positive_with_wilson_limits():
    fft = pd.DataFrame(
        {
            "org_code": "T1",
            "period": ["2024-01", "2024-02", "2024-03"],
            "touchpoint": "Birth",
            "positive": [180, 170, 175],
            "responses": [190, 185, 182],
        }
    )
    r = fam.fft_results(fft)
    lo, hi = wilson(180, 190)
    assert r.loc[0, "value"] == pytest.approx(100 * 180 / 190)
    assert (r.loc[0, "lower_95"], r.loc[0, "upper_95"]) == pytest.approx((100 * lo, 100 * hi))
    assert (r["ethnicity_note"] == fam.FFT_ETHNICITY_NOTE).all()
    t = fam.fft_trend(fft)
    assert len(t) == 1 and t.loc[0, "result"] == "trend"


def _survey():
    rows = []
    for y, (w, a, b) in zip(
        ("2021", "2022", "2023"), ((300, 50, 20), (310, 55, 24), (320, 60, 28)), strict=True
    ):
        for g, x, n in (
            ("White", w, 400),
            ("Asian or Asian British", a, 80),
            ("Black or Black British", b, 40),
            ("Not stated", 3, 5),
        ):
            rows.append(("T1", y, g, "felt listened to", x, n))
    return pd.DataFrame(
        rows, columns=["org_code", "period", "ethnic_group", "measure", "numerator", "denominator"]
    )


def test_own_survey_gaps_to_the_best_group():
    # 2021: White 300/400 = 75% is the best known group; Black 20/40 = 50%:
    # difference -25 points (Newcombe), ratio 0.5/0.75 (Katz)
    r = fam.family_counts_results(_survey())
    b = r[(r.period == "2021") & (r.ethnic_group == "Black or Black British")].iloc[0]
    assert b.best_group == "White"
    assert b.difference == pytest.approx(-25.0)
    l1, _ = wilson(20, 40)
    _, u0 = wilson(300, 400)
    assert b.difference_lower_95 == pytest.approx(
        100 * (-0.25 - math.hypot(0.5 - l1, u0 - 0.75)), rel=1e-9
    )
    se = math.sqrt(1 / 20 - 1 / 40 + 1 / 300 - 1 / 400)
    assert b.ratio_upper_95 == pytest.approx((0.5 / 0.75) * math.exp(Z * se), rel=1e-9)
    # with complaints (lower is better) the best group is the lowest
    low = fam.family_counts_results(_survey(), higher_is_better=False)
    assert low[low.period == "2021"]["best_group"].iloc[0] == "Black or Black British"


def test_own_survey_gap_trend_narrows():
    t = fam.family_counts_trend(_survey())
    gap = t[(t.result == "gap") & (t.ethnic_group == "Black or Black British")].iloc[0]
    assert gap.reference == "White" and gap.direction == "narrowing"
    assert "Not stated" not in set(t["ethnic_group"])


def test_births_beside_the_population_by_hand():
    # births with a recorded group: 4000 + 1100 + 300 = 5400; Asian share
    # 1100/5400 = 20.37% vs 15% of women 15-44: ratio 1.358, difference +5.37
    # points; births per 1,000 women: 1100/15000 x 1000 = 73.3 (Byar's: >= 10)
    births = pd.DataFrame(
        {
            "org_code": "QS01",
            "period": "2023",
            "ethnic_group": [
                "White",
                "Asian or Asian British",
                "Black or Black British",
                "Not known",
                "Mixed",
            ],
            "births": [4000, 1100, 300, 100, 5],
        }
    )
    pop = pd.DataFrame(
        {
            "org_code": "QS01",
            "period": "2021",
            "population_group": "Women aged 15-44",
            "ethnic_group": ["White", "Asian or Asian British", "Black or Black British", "Mixed"],
            "population": [80000, 15000, 5000, 1000],
        }
    )
    t = births_vs_population(births, pop).set_index("ethnic_group")
    a = t.loc["Asian or Asian British"]
    known, popk = 5405, 101000
    assert a.births_share == pytest.approx(100 * 1100 / known)
    lo, hi = wilson(1100, known)
    assert a.births_share_lower_95 == pytest.approx(100 * lo)
    assert a.share_ratio == pytest.approx((1100 / known) / (15000 / popk))
    assert a.share_ratio_upper_95 == pytest.approx(hi / (15000 / popk))
    assert a.births_per_1000 == pytest.approx(1100 / 15000 * 1000)
    assert a.population_period == "2021"  # the latest population before the births
    m = t.loc["Mixed"]  # 5 births: exact Poisson limits
    # Garwood: upper = chi2(0.975; 2x + 2) / 2 = 11.668 for x = 5, over 1,000 women
    assert m.births_per_1000_upper_95 == pytest.approx(stats.chi2.ppf(0.975, 12) / 2, rel=1e-9)
    assert m.rate_method == "Exact"
    nk = t.loc["Not known"]
    assert np.isnan(nk.births_share) and nk.share_of_all_births == pytest.approx(100 * 100 / 5505)


def _wres():
    rows = []
    for y, (aw, ab) in (("2022", (300, 200)), ("2023", (310, 240)), ("2024", (310, 280))):
        rows += [("RAA", y, 2, "All", "White", aw, 1000), ("RAA", y, 2, "All", "BME", ab, 1000)]
        rows += [("RAA", y, 3, "All", "White", 18, 3700), ("RAA", y, 3, "All", "BME", 5, 1200)]
    df = pd.DataFrame(
        rows,
        columns=["org_code", "period", "indicator", "band", "group", "numerator", "denominator"],
    )
    df["staff_group"] = "All"
    return df


def test_staff_experience_is_released_under_the_policy():
    s = staff_experience(_wres(), ["RAA"], "2024", POLICIES["nhs"])
    assert s.period == "2024" and s.disclosure_policy == "nhs"
    ind = s.indicators.set_index("indicator")
    # indicator 3: 5 BME staff entering the process (the rolling sum is 10 >= 8,
    # but the single year 5 < 8 is what the trend uses)
    assert ind.loc[2, "white_numerator"] == 310 and ind.loc[2, "bme_numerator"] == 280
    assert ind.loc[3, "bme_numerator"] == 10  # 5 + 5, rounded to the nearest 5
    assert (s.indicators["disclosure_policy"] == "nhs").all()
    assert set(s.headline["indicator"]) == {2, 3}
    tr = s.trend.set_index("indicator")
    assert tr.loc[2, "change_reading"] == "narrowed"
    assert tr.loc[3, "change_reading"] == "withheld"  # each year's BME count is 5 < 8
    raw = staff_experience(_wres(), period="2024")
    assert raw.disclosure_policy == ANALYST_ONLY


def test_small_counts_withhold_the_estimate_not_the_other_group():
    df = _wres()
    df.loc[(df.indicator == 2) & (df.group == "BME") & (df.period == "2024"), "numerator"] = 6
    s = staff_experience(df[df.indicator == 2], period="2024", policy=POLICIES["nhs"])
    r = s.indicators.iloc[0]
    assert np.isnan(r.estimate) and np.isnan(r.bme_value) and r.white_value == pytest.approx(31.0)
    assert r.bme_numerator == 5 and r.suppressed == "estimate"


def test_family_experience_releases_and_says_what_is_not_by_ethnicity():
    f = family_experience(counts=_survey(), period="2021:2023", policy=POLICIES["nhs"])
    g = f.by_group
    ns = g[g.ethnic_group == "Not stated"]
    assert ns["value"].isna().all() and (ns["numerator"] == 5).all()  # 3 -> 5, rate withheld
    assert (g["disclosure_policy"] == "nhs").all()
    fft = pd.DataFrame(
        {
            "org_code": "T1",
            "period": ["2024-01", "2024-02", "2024-03"],
            "touchpoint": "Birth",
            "positive": [180, 6, 175],
            "responses": [190, 7, 182],
        }
    )
    f2 = family_experience(fft=fft, policy=POLICIES["nhs"])
    assert np.isnan(f2.fft.loc[1, "value"]) and f2.fft.loc[0, "value"] == pytest.approx(94.7)
    assert any("not collected by ethnic group" in n for n in f2.notes)


def test_community_profile_sums_years_and_withholds_small_groups():
    births = pd.DataFrame(
        {
            "org_code": "QS01",
            "period": ["2022", "2023", "2022", "2023"],
            "ethnic_group": ["White", "White", "Mixed", "Mixed"],
            "births": [2000, 2100, 3, 2],
        }
    )
    pop = pd.DataFrame(
        {
            "org_code": "QS01",
            "period": "2021",
            "population_group": "All residents",
            "ethnic_group": ["White", "Mixed"],
            "population": [300000, 10000],
        }
    )
    c = community_profile(births, pop, period="2022:2023", policy=POLICIES["nhs"])
    t = c.table.set_index("ethnic_group")
    assert c.period == "2022-2023" and t.loc["White", "births"] == 4100
    assert t.loc["Mixed", "births"] == 5 and np.isnan(t.loc["Mixed", "births_share"])
    assert t.loc["White", "births_share"] == pytest.approx(100 * 4100 / 4105)


def test_experience_charts_draw_the_released_numbers_and_describe_them():
    from matequity.outputs.charts.experience import (
        survey_by_group,
        wres_likelihoods,
        wres_percentages,
    )

    rows = _wres()
    rows = pd.concat(
        [rows, rows.assign(indicator=5, numerator=[250, 110] * 6, denominator=[1000, 350] * 6)]
    )
    s = staff_experience(rows, period="2024", policy=POLICIES["nhs"])
    rl = wres_likelihoods(s.indicators, "RAA")
    assert "1.11 times as likely" in rl.alt_text and "0.86 times as likely" in rl.alt_text
    spec = rl.spec()
    assert spec["description"] == rl.alt_text
    pct = wres_percentages(s.indicators, "RAA")
    assert "White 25.0%" in pct.alt_text and "BME 31.4%" in pct.alt_text
    f = family_experience(counts=_survey(), period="2023", policy=POLICIES["nhs"])
    ch = survey_by_group(f.by_group, "Felt listened to", ["White"])
    assert "White 80.0%" in ch.alt_text and "best group (White)" in ch.alt_text

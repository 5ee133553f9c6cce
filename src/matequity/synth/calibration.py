"""Published figures that the synthetic England is calibrated to.

Each figure names its source. Figures marked ASSUMPTION are shaped to be
plausible where no published per-group figure was retrieved; they are written
into the ground truth so that nothing pretends to be measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: MBRRACE-UK headline stillbirth rates per 1,000 total births (births >= 24 weeks,
#: terminations excluded). 2016, 2019-2023: MBRRACE-UK Perinatal Mortality
#: Surveillance reports and University of Leicester releases. 2015, 2017, 2018:
#: interpolated between published years; 2024: 2023 carried forward.
STILLBIRTH_PER_1000: dict[int, float] = {
    2013: 4.20,
    2014: 4.05,
    2015: 3.99,
    2016: 3.93,
    2017: 3.74,
    2018: 3.54,
    2019: 3.35,
    2020: 3.33,
    2021: 3.54,
    2022: 3.35,
    2023: 3.22,
    2024: 3.22,
    2025: 3.15,
}

#: MBRRACE-UK neonatal mortality per 1,000 live births (>= 24 weeks): 2013 1.84,
#: 2016 1.72, 2020 1.53, 2021 1.65, 2022 1.69, 2023 1.63 (same sources);
#: other years interpolated or carried.
NEONATAL_PER_1000: dict[int, float] = {
    2013: 1.84,
    2014: 1.80,
    2015: 1.76,
    2016: 1.72,
    2017: 1.67,
    2018: 1.62,
    2019: 1.58,
    2020: 1.53,
    2021: 1.65,
    2022: 1.69,
    2023: 1.63,
    2024: 1.63,
    2025: 1.60,
}

#: Births in England per year (approximately the ONS Births in England and Wales
#: series for England, rounded; the brief asks for 560-650k a year).
BIRTHS_PER_YEAR: dict[int, int] = {
    2013: 664_000,
    2014: 661_000,
    2015: 664_000,
    2016: 663_000,
    2017: 646_000,
    2018: 626_000,
    2019: 611_000,
    2020: 586_000,
    2021: 595_000,
    2022: 578_000,
    2023: 563_000,
    2024: 565_000,
    2025: 560_000,
}

#: Maternal deaths per 100,000 maternities: MBRRACE-UK 2021-23, 254/2,004,184 = 12.67.
MATERNAL_DEATHS_PER_100K = 12.67

#: Preterm births as a share of live births: 7.7% in 2021 (PQ HL428, answered 21 Dec 2023).
PRETERM_SHARE = 0.077


@dataclass(frozen=True)
class RiskRatios:
    """Relative risks by mother's group, against White / least deprived."""

    stillbirth: dict[str, float]
    neonatal: dict[str, float]
    maternal_death: dict[str, float]
    smm: dict[str, float]
    source: str


#: Stillbirth: MBRRACE-UK 2019 births, Black 7.23 and Asian 5.05 vs White 3.22 per 1,000
#: (ratios 2.25 and 1.57). Neonatal: Black 43% and Asian about 60% above White (same
#: report). Maternal death: MBRRACE-UK 2018-20, Black 3.7x and Asian 1.8x White.
#: Mixed and Other: ASSUMPTION (between White and Asian).
#: These are *conditional* ratios (given deprivation, age, multiplicity and the higher
#: preterm share), set so that the *crude* ratios in the generated data come out at
#: the published crude figures (checked in tests/test_synth.py).
GROUP_RISK = RiskRatios(
    stillbirth={"White": 1.0, "Mixed": 1.15, "Asian": 1.36, "Black": 1.81, "Other": 1.25},
    neonatal={"White": 1.0, "Mixed": 1.1, "Asian": 1.5, "Black": 1.26, "Other": 1.2},
    maternal_death={"White": 1.0, "Mixed": 1.3, "Asian": 1.6, "Black": 3.0, "Other": 1.3},
    smm={"White": 1.0, "Mixed": 1.2, "Asian": 1.3, "Black": 1.8, "Other": 1.3},
    source="MBRRACE-UK (see module docstring); Mixed/Other ASSUMPTION",
)

#: Most vs least deprived decile. Stillbirth about 2x (MBRRACE-UK 2019 births);
#: neonatal death 73% excess (same); maternal death "more than 2x" (MBRRACE-UK 2019-21);
#: severe maternal morbidity ASSUMPTION 1.5x.
DEPRIVATION_RR = {"stillbirth": 2.0, "neonatal": 1.73, "maternal_death": 2.2, "smm": 1.5}

#: Twins: stillbirth risk over 2x and neonatal death over 3x that of singletons
#: (MBRRACE-UK report on 2020 births).
MULTIPLE_RR = {"stillbirth": 2.3, "neonatal": 3.2}

#: Maternal age, ASSUMPTION shaped on the U-shape reported by MBRRACE-UK.
AGE_RR = {"<20": 1.2, "20-34": 1.0, "35-39": 1.25, "40+": 1.7}

#: Neonatal unit levels. Trusts by MBRRACE-UK comparator group for 2018 births
#: (ThomUK/MSDSpipeline data-raw/MBRRACE_groups_2018.csv, transcribing MBRRACE-UK's
#: grouping): of 129 English NHS trusts, 21 had a level 3 NICU with neonatal surgery
#: and 22 a level 3 NICU (42 had 4,000 or more births, 34 had 2,000-3,999, 10 under
#: 2,000). The synthetic trusts get the same shares, drawn with probability growing
#: with the trust's births (ASSUMPTION: NICUs sit in the larger trusts, as in that
#: list); the NICU is at the trust's largest site.
NICU_SURGICAL_TRUST_SHARE = 21 / 129
NICU_TRUST_SHARE = 22 / 129
#: Other sites: local neonatal unit or special care unit. ASSUMPTION: two LNUs to each
#: SCU (BAPM's three-tier network model; no count of units by level was found).
LNU_SITE_SHARE = 2 / 3

#: Between-trust variation: log-normal random effect on the odds, sd on the log scale.
#: ASSUMPTION ("modest overdispersion").
TRUST_SD = 0.12


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    birth_share: float
    n_lmns: int
    #: shares of births by mother's broad ethnic group: White, Mixed, Asian, Black, Other
    ethnic_mix: tuple[float, float, float, float, float]
    #: shift of the latent deprivation score (positive = more deprived)
    deprivation_shift: float


#: NHS England's seven regions (codes Y56-Y63) and 42 ICB-footprint LMNS. Birth shares
#: and ethnic mixes are ASSUMPTION shaped on ONS Census 2021 regional ethnic composition
#: of women of childbearing age (London far more diverse).
REGIONS: tuple[Region, ...] = (
    Region("Y56", "London", 0.190, 5, (0.42, 0.06, 0.20, 0.18, 0.14), 0.15),
    Region("Y59", "South East", 0.150, 6, (0.80, 0.04, 0.10, 0.03, 0.03), -0.35),
    Region("Y58", "South West", 0.085, 7, (0.88, 0.035, 0.05, 0.015, 0.02), -0.20),
    Region("Y61", "East of England", 0.120, 6, (0.78, 0.04, 0.09, 0.05, 0.04), -0.20),
    Region("Y60", "Midlands", 0.190, 11, (0.68, 0.04, 0.19, 0.05, 0.04), 0.20),
    Region("Y63", "North East and Yorkshire", 0.145, 4, (0.80, 0.03, 0.12, 0.025, 0.025), 0.30),
    Region("Y62", "North West", 0.120, 3, (0.76, 0.03, 0.15, 0.03, 0.03), 0.35),
)

BROAD_GROUPS: tuple[str, ...] = ("White", "Mixed", "Asian", "Black", "Other")

#: code shares within each broad group, and each code's deprivation shift.
#: Shifts make Pakistani, Bangladeshi and Black African mothers far more often in
#: the most deprived quintile (Matthews et al., BMJ Open 2022: 37-42% of their
#: births vs 20% overall). ASSUMPTION for the exact values.
CODES_IN_GROUP: dict[str, tuple[tuple[str, float, float], ...]] = {
    "White": (("A", 0.80, 0.0), ("B", 0.02, -0.1), ("C", 0.18, 0.1)),
    "Mixed": (("D", 0.30, 0.6), ("E", 0.15, 0.5), ("F", 0.25, 0.2), ("G", 0.30, 0.3)),
    "Asian": (("H", 0.30, 0.1), ("J", 0.35, 0.9), ("K", 0.15, 1.0), ("L", 0.20, 0.3)),
    "Black": (("M", 0.20, 0.7), ("N", 0.70, 0.8), ("P", 0.10, 0.7)),
    "Other": (("R", 0.15, -0.1), ("S", 0.85, 0.4)),
}

#: Share of births in each IMD decile (1 = most deprived): more births in deprived
#: areas. ASSUMPTION shaped on MSDS births by Rank_IMD_Decile.
DECILE_SHARES: tuple[float, ...] = (
    0.130,
    0.120,
    0.110,
    0.102,
    0.098,
    0.093,
    0.089,
    0.087,
    0.086,
    0.085,
)


@dataclass(frozen=True)
class Calibration:
    """Everything the generator draws on, so that the ground truth can record it."""

    stillbirth_per_1000: dict[int, float] = field(default_factory=lambda: STILLBIRTH_PER_1000)
    neonatal_per_1000: dict[int, float] = field(default_factory=lambda: NEONATAL_PER_1000)
    births_per_year: dict[int, int] = field(default_factory=lambda: BIRTHS_PER_YEAR)
    maternal_deaths_per_100k: float = MATERNAL_DEATHS_PER_100K
    smm_per_1000: float = 12.0  # ASSUMPTION
    preterm_share: float = PRETERM_SHARE
    twin_delivery_share: float = 0.016  # ASSUMPTION, about 3% of babies are twins
    booked_by_10_weeks: float = 0.58  # ASSUMPTION
    trust_sd: float = TRUST_SD

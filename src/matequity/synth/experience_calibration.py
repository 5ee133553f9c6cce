"""Published figures the synthetic staff and families' experience is
calibrated to, each naming its source; figures marked ASSUMPTION are shaped to
be plausible where no published figure was retrieved (they are written into the
ground truth manifest so nothing pretends to be measured).

Sources (read as public web pages; the numbers are quoted there):

* WRES 2022 data analysis report for NHS trusts (NHS England, published 22
  February 2023): BME staff 24.2% of the workforce; indicator 2 relative
  likelihood 1.54 (quoted by NCIC's WRES 2023 page); BME staff experiencing
  harassment, bullying or abuse from patients, relatives or the public 29.2% (up
  from 28.9%; diversityhub.com on the 2022 report); 35% of Black staff believing
  their trust provides equal opportunities for progression (the report's
  foreword).
* WRES 2023 data: indicator 2 relative likelihood 1.59 in 2023 and 1.57 in 2016
  (R. Kline, "WRES 2 data and international recruitment", 2024, quoting the WRES
  reports); BME staff about 26% of the workforce (NHS Race and Health
  Observatory statement on the 2023 report).
* WRES 2019 report (b3sixty.co.uk on its publication): 15% of BME staff vs 6% of
  White staff personally discriminated against by a manager, team leader or
  colleague; almost a third of BME staff vs 24% of White staff harassed, bullied
  or abused by colleagues; 30% of BME staff by patients or the public.
* CQC 2023 maternity survey (CQC press release, 9 February 2024): 81% always
  given enough time to ask questions at antenatal check-ups; 83% said midwives
  always listened; 85% given appropriate advice in early labour; 94% partner
  involved as much as wanted; 80% concerns in labour taken seriously; 75%
  definitely asked about their mental health; 88% given enough support for
  their mental health in pregnancy.
* Friends and Family Test, maternity, first results (Nursing Times on the
  December 2013 data): 76% extremely likely and 17% likely to recommend the
  labour ward, birth unit or home birth service (93% positive); NHS England
  (30 January 2014): birth question response rates above 19%.
"""

from __future__ import annotations

#: BME share of the NHS trust workforce by WRES year (31 March). 2022: WRES 2022
#: report (24.2%); 2023: NHS RHO on WRES 2023 (about 26%); other years ASSUMPTION
#: (about 1.5 points a year, the recent pace).
BME_WORKFORCE_SHARE: dict[int, float] = {
    2015: 0.150,
    2016: 0.160,
    2017: 0.170,
    2018: 0.185,
    2019: 0.200,
    2020: 0.212,
    2021: 0.226,
    2022: 0.242,
    2023: 0.260,
    2024: 0.275,
    2025: 0.290,
}

#: Indicator 2, relative likelihood of White applicants being appointed from
#: shortlisting compared with BME applicants: 2016 1.57, 2022 1.54, 2023 1.59
#: (sources above); other years ASSUMPTION (interpolated / carried).
RL_APPOINTED: dict[int, float] = {
    2015: 1.60,
    2016: 1.57,
    2017: 1.60,
    2018: 1.45,
    2019: 1.46,
    2020: 1.61,
    2021: 1.61,
    2022: 1.54,
    2023: 1.59,
    2024: 1.59,
    2025: 1.59,
}

#: Indicator 3 (BME vs White entering the formal disciplinary process) and 4
#: (White vs BME accessing non-mandatory training and CPD): ASSUMPTION, shaped on
#: the 1.1-1.2 range trusts' pages quote for recent national figures (not
#: confirmed against the WRES reports here).
RL_DISCIPLINARY = 1.14
RL_TRAINING = 1.12
#: staff entering a formal disciplinary investigation a year (White), and staff
#: accessing non-mandatory training / CPD (BME): ASSUMPTION
DISCIPLINARY_RATE = 0.008
TRAINING_RATE = 0.40

#: Staff Survey percentages (indicators 5-8) for White and BME staff.
#: 5: BME 29.2% (WRES 2022), White ASSUMPTION 27.0%.
#: 6: BME 29%, White 24% (WRES 2019 as reported).
#: 7: ASSUMPTION White 58%, BME 45% (the 2022 report gives 35% for Black staff).
#: 8: BME 15%, White 6% (WRES 2019 as reported).
STAFF_SURVEY: dict[int, tuple[float, float]] = {
    5: (0.270, 0.292),
    6: (0.240, 0.290),
    7: (0.580, 0.450),
    8: (0.060, 0.150),
}
#: share of staff answering the Staff Survey: ASSUMPTION (about half)
SURVEY_RESPONSE = 0.45

#: Indicator 1: BME share of each band relative to the workforce's, and each
#: band's share of the workforce: ASSUMPTION shaped on the WRES finding that BME
#: staff are over-represented in Band 5 (international nurse recruitment) and
#: under-represented from Band 8a up.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("Band 2", 0.14, 1.05),
    ("Band 3", 0.12, 0.85),
    ("Band 4", 0.08, 0.75),
    ("Band 5", 0.20, 1.55),
    ("Band 6", 0.18, 1.05),
    ("Band 7", 0.12, 0.80),
    ("Band 8a", 0.06, 0.62),
    ("Band 8b", 0.03, 0.52),
    ("Band 8c", 0.015, 0.45),
    ("Band 8d", 0.008, 0.40),
    ("Band 9", 0.004, 0.35),
    ("VSM", 0.003, 0.40),
    ("Consultant", 0.035, 1.60),
)
#: board voting members per trust and their BME share relative to the
#: workforce's: ASSUMPTION (boards of 10-14 voting members; BME board shares
#: about half the workforce's)
BOARD_SIZE = (10, 15)
BOARD_RELATIVE_SHARE = 0.5
#: workforce headcount per trust: ASSUMPTION, 2,500 plus 1.1 staff per birth a year
HEADCOUNT_BASE = 2500
HEADCOUNT_PER_BIRTH = 1.1
#: shortlisted applicants a year per member of staff, and the BME share of the
#: shortlisted relative to the workforce's: ASSUMPTION
SHORTLISTED_PER_STAFF = 0.35
SHORTLISTED_BME_RELATIVE = 1.6
#: appointed from shortlisting (White): ASSUMPTION
APPOINTED_RATE = 0.30
#: between-trust spread of log relative likelihoods and of survey logits: ASSUMPTION
TRUST_SD = 0.15

#: CQC maternity survey questions: national score out of 10, set to one tenth of
#: the cited percentage giving the most positive answer (CQC 2023, above):
#: ASSUMPTION that the 0-10 score is near that share (CQC also credits partial
#: answers). Expected ranges: national +/- 0.45 (ASSUMPTION).
CQC_QUESTIONS: tuple[tuple[str, str, float], ...] = (
    ("B11", "Given enough time to ask questions at antenatal check-ups", 8.1),
    ("B12", "Midwives providing antenatal care listened", 8.3),
    ("C3", "Appropriate advice and support in early labour", 8.5),
    ("C14", "Partner involved as much as wanted during labour and birth", 9.4),
    ("C16", "Concerns raised in labour and birth taken seriously", 8.0),
    ("B15", "Asked about mental health at antenatal check-ups", 7.5),
    ("B16", "Enough support for mental health during pregnancy", 8.8),
)
CQC_EXPECTED_HALF_WIDTH = 0.45
CQC_TRUST_SD = 0.35
CQC_RESPONDENTS = (100, 350)
CQC_FIRST_YEAR = 2017
#: national subgroup analysis: score difference of each group from White:
#: ASSUMPTION (less positive for minority groups, about a third of a point)
CQC_GROUP_SHIFT = {
    "White": 0.0,
    "Mixed": -0.25,
    "Asian or Asian British": -0.35,
    "Black or Black British": -0.40,
    "Any other ethnic group": -0.30,
}

#: Friends and Family Test, maternity: share positive by touchpoint. Birth 0.93
#: (December 2013, above); the other touchpoints ASSUMPTION. Response rate: birth
#: 0.19 (NHS England 2014); others ASSUMPTION.
FFT_POSITIVE = {
    "Antenatal": 0.92,
    "Birth": 0.93,
    "Postnatal ward": 0.90,
    "Postnatal community": 0.94,
}
FFT_RESPONSE = {
    "Antenatal": 0.12,
    "Birth": 0.19,
    "Postnatal ward": 0.15,
    "Postnatal community": 0.08,
}

#: A trust's own survey ("felt listened to and involved in decisions") by ethnic
#: group: ASSUMPTION, White 0.85 positive, other groups lower by these amounts on
#: the logit scale; respondents about 4% of births.
OWN_SURVEY_MEASURE = "felt listened to and involved in decisions"
OWN_SURVEY_WHITE = 0.85
OWN_SURVEY_LOGIT_SHIFT = {
    "White": 0.0,
    "Mixed": -0.3,
    "Asian or Asian British": -0.45,
    "Black or Black British": -0.6,
    "Any other ethnic group": -0.4,
}
OWN_SURVEY_RESPONSE = 0.04

#: Community profile: general fertility rate (live births per 1,000 women aged
#: 15-44) of about 52, close to ONS's figure for England and Wales in recent years
#: (ASSUMPTION: not re-checked here), and each group's fertility relative to
#: White women (ASSUMPTION, higher among Asian and Black women as ONS reports by
#: mother's country of birth).
GENERAL_FERTILITY_PER_1000 = 52.0
RELATIVE_FERTILITY = {
    "White": 1.0,
    "Mixed": 0.85,
    "Asian or Asian British": 1.25,
    "Black or Black British": 1.15,
    "Any other ethnic group": 1.10,
}
#: all residents per woman aged 15-44: ASSUMPTION (England: about 56 million
#: residents and 11-12 million women aged 15-44)
RESIDENTS_PER_WOMAN_15_44 = 4.8
#: the population estimate year (Census 2021-based)
POPULATION_YEAR = 2021

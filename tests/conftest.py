"""Shared fixtures: a small synthetic England, ingested once per session."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from hypothesis import settings

from matequity.ingest.load import ingest
from matequity.model import schema
from matequity.synth import write as synth_write
from matequity.synth.generate import generate

# CI runs the property and fuzz tests derandomized (the same examples every run, so a
# red CI is a real regression); HYPOTHESIS_PROFILE=explore draws fresh examples.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ORG_HEADER = list(schema.ORGANISATION_COLUMNS)
ORGS = [
    ["S1", "Site 1", "T1", "Trust 1", "L1", "LMNS 1", "R1", "Region 1"],
    ["S2", "Site 2", "T1", "Trust 1", "L1", "LMNS 1", "R1", "Region 1"],
    ["S3", "Site 3", "T2", "Trust 2", "L2", "LMNS 2", "R1", "Region 1"],
]

GOOD = {
    "baby_id": "b1",
    "delivery_id": "d1",
    "mother_id": "m1",
    "site_code": "S1",
    "birth_date": "2024-01-05",
    "gestation_days": "280",
    "outcome": "live",
    "termination": "false",
    "death_date": "",
    "birthweight_g": "3400",
    "sex": "F",
    "babies_in_delivery": "1",
    "ethnic_category": "A",
    "imd_decile": "3",
    "lsoa_code": "",
    "mother_age": "30",
    "previous_births": "1",
    "booking_gestation_days": "65",
    "maternal_death": "false",
    "severe_maternal_morbidity": "false",
}


def baby(**over: str) -> dict[str, str]:
    """A valid births row with some fields replaced."""
    row = dict(GOOD)
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or list(schema.BIRTH_FIELD_NAMES)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


@pytest.fixture
def orgs_csv(tmp_path: Path) -> Path:
    p = tmp_path / "orgs.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ORG_HEADER)
        w.writerows(ORGS)
    return p


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two years of a 2% synthetic England (about 23,000 births)."""
    out = tmp_path_factory.mktemp("synthetic")
    years = range(2022, 2024)
    res = generate(years, seed=7, scale=0.02)
    return synth_write.write(res, out, years, 7, 0.02)


@pytest.fixture(scope="session")
def synthetic_store(synthetic: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("store") / "store.duckdb"
    ingest(store, [synthetic["organisations"], synthetic["imd_lookup"], synthetic["births"]])
    return store


@pytest.fixture(scope="session")
def dashboard_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four years of a 1.5% synthetic England (about 36,000 births): enough years
    for the dashboard's trends (three or more)."""
    out = tmp_path_factory.mktemp("dashboard")
    years = range(2020, 2024)
    files = synth_write.write(generate(years, seed=11, scale=0.015), out, years, 11, 0.015)
    store = out / "store.duckdb"
    ingest(store, [files["organisations"], files["imd_lookup"], files["births"]])
    return store

"""The ingest cases of tests/test_ingest.py as one store's history, for any
engine: every quarantine reason, malformed lines, loading twice, baby_ids
already loaded, and loads that fail (early, on a reference file, and after
validation, once good rows were written), each checked on the store as it was
and on a new store."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from conftest import ORG_HEADER, baby, write_csv
from matequity.errors import InputFileError
from matequity.ingest.load import FileReport

from .stores import Backend, store_tables

BAD = Path(__file__).parents[1] / "data" / "bad"
LOAD_DATE = dt.date(2026, 1, 1)
ROWS = [
    baby(baby_id="ok1"),
    baby(baby_id=""),
    baby(baby_id="dup", gestation_days="280"),
    baby(baby_id="dup", gestation_days="281"),
    baby(baby_id="same"),
    baby(baby_id="same"),
    baby(baby_id="nosite", site_code="XX1"),
    baby(baby_id="nodate", birth_date=""),
    baby(baby_id="baddate", birth_date="2024-02-30"),
    baby(baby_id="future", birth_date="2031-01-01"),
    baby(baby_id="outc", outcome="alive"),
    baby(baby_id="dbb", death_date="2024-01-01"),
    baby(baby_id="eth", ethnic_category="Q"),
    baby(baby_id="gest", gestation_days="400"),
    baby(baby_id="gestx", gestation_days="forty"),
    baby(baby_id="gestf", gestation_days="280.5"),
    baby(baby_id="bw", birthweight_g="0"),
    baby(baby_id="bw9999", birthweight_g="9999"),
    baby(baby_id="uk_date", birth_date="05/01/2024", ethnic_category="a1"),
    baby(baby_id="term", termination="perhaps"),
    baby(baby_id="sex", sex="Q"),
    baby(
        baby_id="blank_opt",
        gestation_days="",
        ethnic_category="",
        imd_decile="",
        mother_age="",
        sex="",
    ),
]
#: the first reason of each quarantined row of births.csv, by its raw baby_id
REASONS = {
    "": "missing_baby_id",
    "dup": "duplicate_baby_id",
    "same": "duplicate_row",
    "nosite": "unknown_site",
    "nodate": "missing_birth_date",
    "baddate": "unparseable_birth_date",
    "future": "birth_date_in_future",
    "outc": "invalid_outcome",
    "dbb": "death_before_birth",
    "eth": "unknown_ethnic_code",
    "gest": "gestation_out_of_range",
    "gestx": "invalid_gestation",
    "gestf": "invalid_gestation",
    "bw": "birthweight_out_of_range",
    "term": "invalid_termination",
    "sex": "invalid_sex",
}
#: what each failed load is refused for, and its files
FAILURES = {
    # found by the reader, before anything is validated
    "reader": (["semicolon.csv"], "contains ';': expected ','"),
    # a reference file refused after a good births file was staged
    "organisations": (["orgs_dup.csv", "late.csv"], "site_code is not unique"),
    # refused after validation, once a good births file was written to the store
    "types": (["late.csv", "wrong_types.csv"], "column 'birth_date': none of its 12 values"),
}


@dataclass
class Run:
    """What one engine's store went through."""

    location: Path | str
    first: list[FileReport]
    after_first: dict[str, pd.DataFrame]
    second: list[FileReport]
    after_second: dict[str, pd.DataFrame]
    third: list[FileReport]
    after_third: dict[str, pd.DataFrame]
    #: failure -> (message, the store's files before, and after)
    failed: dict[str, tuple[str, dict, dict]]
    #: failure -> (message, whether the location exists afterwards)
    failed_first: dict[str, tuple[str, bool]]
    #: the store's content version after each step
    versions: dict[str, str]


def make_inputs(d: Path) -> dict[str, Path]:
    """The input files in folder ``d``, by name."""
    orgs = d / "orgs.csv"
    with orgs.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ORG_HEADER)
        w.writerows(
            [
                ["S1", "Site 1", "T1", "Trust 1", "L1", "LMNS 1", "R1", "Region 1"],
                ["S2", "Site 2", "T1", "Trust 1", "L1", "LMNS 1", "R1", "Region 1"],
            ]
        )
    dup = d / "orgs_dup.csv"
    dup.write_text(orgs.read_text() + "S1,Site 1,T1,Trust 1,L1,LMNS 1,R1,Region 1\n")
    malformed = write_csv(d / "malformed.csv", [baby(baby_id="m_a"), baby(baby_id="m_b")])
    with malformed.open("a") as fh:
        fh.write("c,d,m,S1,2024-01-05\n")  # too few fields
        fh.write(",".join(baby(baby_id="m_d").values()) + ",extra\n")  # too many
    files = {
        "births.csv": write_csv(d / "births.csv", ROWS),
        "malformed.csv": malformed,
        "orgs.csv": orgs,
        "orgs_dup.csv": dup,
        "again.csv": write_csv(d / "again.csv", [baby(baby_id="ok1"), baby(baby_id="new1")]),
        "late.csv": write_csv(d / "late.csv", [baby(baby_id="late1", site_code="S2")]),
    }
    for name in ("semicolon.csv", "wrong_types.csv"):
        files[name] = BAD / name
    return files


def run_history(backend: Backend, folder: Path, inputs: dict[str, Path]) -> Run:
    """Take a new store of ``backend`` (located by ``folder``) through the cases."""
    store = backend.new_store(folder)

    def load(*names: str) -> list[FileReport]:
        return backend.ingest(store, [inputs[n] for n in names], load_date=LOAD_DATE)

    versions = {}

    def version(step: str) -> None:
        with backend.open(store, derive=False) as eng:
            versions[step] = eng.version()

    first = load("births.csv", "malformed.csv", "orgs.csv")
    after_first = store_tables(backend, store)
    version("first")
    second = load("births.csv", "malformed.csv", "orgs.csv")
    after_second = store_tables(backend, store)
    version("second")
    third = load("again.csv")
    after_third = store_tables(backend, store)
    version("third")
    failed = {}
    for case, (names, _msg) in FAILURES.items():
        before = backend.files(store)
        with pytest.raises(InputFileError) as err:
            load(*names)
        failed[case] = (str(err.value), before, backend.files(store))
    failed_first = {}
    for case, (names, _msg) in FAILURES.items():
        new = backend.new_store(folder / f"first-{case}")
        with pytest.raises(InputFileError) as err:
            backend.ingest(new, [inputs[n] for n in names], load_date=LOAD_DATE)
        failed_first[case] = (str(err.value), backend.exists(new))
    return Run(
        store,
        first,
        after_first,
        second,
        after_second,
        third,
        after_third,
        failed,
        failed_first,
        versions,
    )

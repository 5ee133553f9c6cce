"""Stabilised-rates fits saved beside the store (``analyses.saved_fits``): read
back exactly, never read for other store content, code or parameters, and never
an error when they cannot be saved or are damaged."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from matequity import engine
from matequity.analyses import saved_fits
from matequity.analyses import stabilised_rates as sr
from matequity.ingest.load import ingest


@pytest.fixture
def store(synthetic_store: Path, tmp_path: Path) -> Path:
    """A private copy of the synthetic store (its fits folder starts empty)."""
    p = tmp_path / "store.duckdb"
    shutil.copyfile(synthetic_store, p)
    return p


def _same(a: sr.StoreStabilisedRates, b: sr.StoreStabilisedRates) -> None:
    pd.testing.assert_frame_equal(a.units, b.units, check_exact=True)
    pd.testing.assert_frame_equal(a.model, b.model, check_exact=True)
    assert (a.measure, a.period, a.years, a.case_mix, a.policy) == (
        b.measure,
        b.period,
        b.years,
        b.case_mix,
        b.policy,
    )


def _no_fitting(monkeypatch) -> None:
    def fail(*_a, **_k):
        raise AssertionError("fitted again")

    monkeypatch.setattr(sr, "_fit", fail)


def test_a_saved_fit_is_read_back_exactly(store, monkeypatch):
    with engine.open("duckdb", store) as eng:
        fitted = {
            p: sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", p)
            for p in (None, "nhs")
        }
    folder = store.with_name("store.duckdb.fits")
    assert len(list(folder.glob("*.json"))) == 1  # one fit, whatever the policy
    _no_fitting(monkeypatch)
    with engine.open("duckdb", store) as eng:
        for p, want in fitted.items():
            _same(sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", p), want)
        others = [  # other parameters: another fit each
            {"case_mix": ()},
            {"method": "agq", "nagq": 5},
            {"level": "site"},
            {"period": "2023"},
        ]
        for o in others:
            args = {"period": "2022:2023", "policy": None, **o}
            with pytest.raises(AssertionError, match="fitted again"):
                sr.stabilised_rates_for_store(eng, "stillbirth", **args)
        with pytest.raises(AssertionError, match="fitted again"):  # another measure
            sr.stabilised_rates_for_store(eng, "neonatal_mortality", "2022:2023", None)


def test_new_content_is_fitted_again_and_old_fits_removed(store, synthetic, monkeypatch):
    with engine.open("duckdb", store) as eng:
        before = saved_fits.content(eng)
        sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    folder = store.with_name("store.duckdb.fits")
    old = {p.name for p in folder.iterdir()}
    renamed = store.parent / "organisations.csv"  # another load: new content
    text = synthetic["organisations"].read_text()
    renamed.write_text(text.replace("Synthetic NHS Trust", "Renamed NHS Trust"))
    ingest(store, [renamed])
    fits = []
    real_fit = sr._fit
    monkeypatch.setattr(sr, "_fit", lambda *a, **k: fits.append(1) or real_fit(*a, **k))
    with engine.open("duckdb", store) as eng:
        assert saved_fits.content(eng) != before
        again = sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
        sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    assert len(fits) == 1  # fitted for the new content once, then read
    assert again.units["org_name"].str.startswith("Renamed NHS Trust").all()  # the new names
    now = {p.name for p in folder.iterdir()}
    assert now and not now & old  # the old content's fit is gone


def test_the_key_covers_every_load_the_code_and_the_parameters(store, monkeypatch):
    with engine.open("duckdb", store) as eng:
        k = saved_fits.key(eng, "stabilised", {"a": 1})
        assert k == saved_fits.key(eng, "stabilised", {"a": 1})
        assert k[1] != saved_fits.key(eng, "stabilised", {"a": 2})[1]
        assert k[1] != saved_fits.key(eng, "other", {"a": 1})[1]
        real = {t: eng.rows(t) for t in ("loads", "derived_meta")}
        changes = [
            ("loads", "sha256", "0" * 64),
            ("loads", "rows_accepted", -1),
            ("derived_meta", "definitions", "another derivation"),
        ]
        for table, column, value in changes:
            rows = {t: list(r) for t, r in real.items()}
            rows[table] = [
                dict(r, **{column: value}) if i == 0 else r for i, r in enumerate(rows[table])
            ]
            monkeypatch.setattr(eng, "rows", lambda name, rows=rows: rows[name])
            assert saved_fits.key(eng, "stabilised", {"a": 1})[0] != k[0], column
        monkeypatch.setattr(eng, "rows", lambda name: real[name])
        assert saved_fits.key(eng, "stabilised", {"a": 1}) == k  # the real rows: the same
        monkeypatch.undo()
        monkeypatch.setattr(saved_fits, "_code", lambda: "another matequity")
        assert saved_fits.key(eng, "stabilised", {"a": 1})[1] != k[1]


def test_damaged_or_unsavable_fits_are_made_again(store):
    with engine.open("duckdb", store) as eng:
        want = sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    folder = store.with_name("store.duckdb.fits")
    damages = [  # each saved again by the fit after
        ("*.parquet", b"PAR1 {damaged"),
        ("*.json", b"{damaged"),
        ("*.json", b'{"tables": null, "generation": null}'),
        ("*.json", b"[1, 2]"),
    ]
    for pattern, text in damages:
        for f in folder.glob(pattern):
            f.write_bytes(text)
        with engine.open("duckdb", store) as eng:
            _same(sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None), want)
        assert len(list(folder.glob("*.json"))) == 1
    for f in folder.glob("*.json"):  # the right key, no values
        f.write_text(json.dumps({"key": f.stem, "tables": ["units", "model"]}))
    with engine.open("duckdb", store) as eng:
        _same(sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None), want)
    left = folder / "x.json.tmp-1-2"  # a save that died an hour ago
    left.write_text("{}")
    os.utime(left, (time.time() - 2 * saved_fits.STALE,) * 2)
    with engine.open("duckdb", store) as eng:
        sr.stabilised_rates_for_store(eng, "stillbirth", "2023", None)  # saves another
    assert not list(folder.glob("*.tmp-*"))
    assert (folder.stat().st_mode & 0o777) == 0o700
    shutil.rmtree(folder)
    folder.write_text("a file where the folder would be")  # cannot be saved
    with engine.open("duckdb", store) as eng:
        _same(sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None), want)
    assert folder.read_text() == "a file where the folder would be"


@dataclass(frozen=True)
class _At:
    location: str


def test_the_folder_is_beside_the_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert saved_fits.folder(_At("store.duckdb")) == tmp_path / "store.duckdb.fits"
    assert saved_fits.folder(_At("folder/")) == tmp_path / "folder.fits"
    assert saved_fits.folder(_At(".")) == tmp_path.parent / f"{tmp_path.name}.fits"
    assert saved_fits.folder(_At("..")) == tmp_path.parent.parent / f"{tmp_path.parent.name}.fits"
    assert saved_fits.folder(_At("catalog:maternity")) is None  # a Spark catalog
    assert saved_fits.folder(_At("/")) is None


def test_fits_of_other_code_are_removed_when_one_is_saved(store, monkeypatch):
    with engine.open("duckdb", store) as eng:
        sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
        folder = store.with_name("store.duckdb.fits")
        old = {p.name for p in folder.iterdir()}
        monkeypatch.setattr(saved_fits, "_code", lambda: "a newer matequity")
        sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    now = {p.name for p in folder.iterdir()}
    assert len(now) == len(old) == 3 and not now & old

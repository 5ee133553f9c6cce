"""Stabilised-rates fits saved beside the store (``analyses.saved_fits``): read
back exactly, never read for other store content, code or parameters, and never
an error when they cannot be saved or are damaged."""

from __future__ import annotations

import shutil
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
        with pytest.raises(AssertionError, match="fitted again"):  # other parameters
            sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None, case_mix=())


def test_new_content_is_fitted_again_and_old_fits_removed(store, synthetic):
    with engine.open("duckdb", store) as eng:
        before = saved_fits.content(eng)
        sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    folder = store.with_name("store.duckdb.fits")
    old = {p.name for p in folder.iterdir()}
    renamed = store.parent / "organisations.csv"  # another load: new content
    text = synthetic["organisations"].read_text()
    renamed.write_text(text.replace("Synthetic Hospital", "Renamed Hospital", 1))
    ingest(store, [renamed])
    with engine.open("duckdb", store) as eng:
        assert saved_fits.content(eng) != before
        assert saved_fits.read(eng, "stabilised", {"any": 1}) is None
        again = sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    assert again.years == (2022, 2023)
    now = {p.name for p in folder.iterdir()}
    assert now and not now & old  # the old content's fit is gone


def test_the_key_covers_every_load_the_code_and_the_parameters(store, monkeypatch):
    with engine.open("duckdb", store) as eng:
        k = saved_fits.key(eng, "stabilised", {"a": 1})
        assert k == saved_fits.key(eng, "stabilised", {"a": 1})
        assert k[1] != saved_fits.key(eng, "stabilised", {"a": 2})[1]
        assert k[1] != saved_fits.key(eng, "other", {"a": 1})[1]
        rows = eng.rows("loads")
        changed = [dict(r, sha256="0" * 64) if i == 0 else r for i, r in enumerate(rows)]
        monkeypatch.setattr(eng, "rows", lambda name: changed if name == "loads" else [])
        assert saved_fits.key(eng, "stabilised", {"a": 1})[0] != k[0]
        monkeypatch.undo()
        monkeypatch.setattr(saved_fits, "_code", lambda: "another matequity")
        assert saved_fits.key(eng, "stabilised", {"a": 1})[1] != k[1]


def test_damaged_or_unsavable_fits_are_made_again(store):
    with engine.open("duckdb", store) as eng:
        want = sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    folder = store.with_name("store.duckdb.fits")
    for damage in ("*.parquet", "*.json"):  # each saved again by the fit after
        for f in folder.glob(damage):
            f.write_bytes(b"PAR1 {damaged")
        with engine.open("duckdb", store) as eng:
            _same(sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None), want)
    shutil.rmtree(folder)
    folder.write_text("a file where the folder would be")  # cannot be saved
    with engine.open("duckdb", store) as eng:
        _same(sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None), want)
    assert folder.read_text() == "a file where the folder would be"
    assert not list(store.parent.glob("*.tmp-*"))


def test_no_folder_for_a_catalog_store():
    class Catalog:
        location = "catalog:maternity"

    assert saved_fits.folder(Catalog()) is None  # type: ignore[arg-type]


def test_fits_of_other_code_are_removed_when_one_is_saved(store, monkeypatch):
    with engine.open("duckdb", store) as eng:
        sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
        folder = store.with_name("store.duckdb.fits")
        old = {p.name for p in folder.iterdir()}
        monkeypatch.setattr(saved_fits, "_code", lambda: "a newer matequity")
        sr.stabilised_rates_for_store(eng, "stillbirth", "2022:2023", None)
    now = {p.name for p in folder.iterdir()}
    assert len(now) == len(old) == 3 and not now & old

"""Experience tables in the store and in the reports: loading is all or
nothing, replaces a period rather than double counting, and the LMNS and board
reports show staff and families' experience and the population served with the
numbers of the experience analysis, released under the policy."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity import engine as engines
from matequity.cli.main import app
from matequity.disclosure.policy import POLICIES
from matequity.errors import InputFileError
from matequity.experience import store as experience_store
from matequity.experience.analysis import staff_experience
from matequity.experience.wres_format import read_wres
from matequity.pipeline.reports import ReportRequest, build
from matequity.synth import experience as synth_experience


@pytest.fixture(scope="module")
def store_with_experience(synthetic, synthetic_store, tmp_path_factory):
    s = tmp_path_factory.mktemp("exp") / "s.duckdb"
    shutil.copy(synthetic_store, s)
    folder = synthetic["births"].parent / synth_experience.DIR
    files = [folder / f for f in synth_experience.FILES.values()]
    loaded = experience_store.load("duckdb", s, files)
    assert {r.status for r in loaded} == {"loaded"}
    return s, folder


def test_loading_again_replaces_and_never_double_counts(store_with_experience, tmp_path):
    s, folder = store_with_experience
    copy = tmp_path / "s.duckdb"
    shutil.copy(s, copy)
    wres = read_wres(folder / "wres.csv")
    again = experience_store.load("duckdb", copy, [folder / "wres.csv"])
    assert again[0].status.startswith("skipped")
    # the same rows under another file name replace the earlier rows of their periods
    renamed = tmp_path / "wres_again.csv"
    shutil.copy(folder / "wres.csv", renamed)
    with renamed.open("a") as fh:
        fh.write("")  # same content, another path: still the same digest
    edited = tmp_path / "wres_2.csv"
    raw = pd.read_csv(folder / "wres.csv")
    raw.loc[raw.index[0], "numerator"] = raw.loc[raw.index[0], "numerator"]  # unchanged value
    raw.to_csv(edited, index=False)
    experience_store.load("duckdb", copy, [edited])
    with engines.open("duckdb", copy) as eng:
        t = experience_store.table(eng, "wres")
    assert len(t) == len(wres)


def test_a_bad_experience_file_changes_nothing(store_with_experience, tmp_path):
    s, folder = store_with_experience
    copy = tmp_path / "s.duckdb"
    shutil.copy(s, copy)
    before = copy.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("org_code,period,indicator,group,numerator,denominator\nRAA,2023,2,White,9,x\n")
    with pytest.raises(InputFileError, match="row 1, column 'denominator'"):
        experience_store.load("duckdb", copy, [folder / "fft_maternity.csv", bad])
    assert copy.read_bytes() == before
    r = CliRunner().invoke(app, ["experience", "load", str(bad), "--store", str(copy)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    unknown = tmp_path / "other.csv"
    unknown.write_text("a,b\n1,2\n")
    with pytest.raises(InputFileError, match="not an experience table"):
        experience_store.kind_of(unknown)


def test_lmns_and_board_reports_show_experience(store_with_experience):
    s, folder = store_with_experience
    nhs = POLICIES["nhs"]
    with engines.open("duckdb", s) as eng:
        orgs = eng.execute(eng.table("organisations"))
        lmns_code = sorted(orgs["lmns_code"])[0]
        rep, a = build(eng, ReportRequest(kind="lmns", org=lmns_code, policy=nhs))
        trust = sorted(orgs["trust_code"])[0]
        brep, b = build(eng, ReportRequest(kind="board", org=trust, policy=nhs))
    titles = [x.title for x in rep.sections]
    assert "Staff experience" in titles and "Families' experience" in titles
    assert "Births beside the population served" in titles
    assert (
        titles.index("Births beside the population served")
        == titles.index("Population profile") + 1
    )
    # the WRES table's numbers are the experience analysis's, released under nhs
    trusts = sorted(orgs.loc[orgs["lmns_code"] == lmns_code, "trust_code"].unique())
    want = staff_experience(
        read_wres(folder / "wres.csv"), trusts, a.experience.staff.period.replace("-", ":"), nhs
    )
    sec = next(x for x in rep.sections if x.title == "Staff experience")
    rows = {(r[0], r[1].split(":")[0]): r for r in sec.tables[0].rows}
    for _, r in want.headline.iterrows():
        row = rows[(r["org_code"], str(r["indicator"]))]
        shown = row[4]
        assert shown == (
            "withheld"
            if pd.isna(r["estimate"])
            else f"{r['estimate']:.2f} ({r['estimate_lower_95']:.2f} to {r['estimate_upper_95']:.2f})"
        )
    for frame in (a.experience.staff.indicators, a.experience.families.fft):
        assert (frame["disclosure_policy"] == "nhs").all()
    counts = a.experience.staff.indicators[["white_numerator", "bme_numerator"]].stack()
    assert (counts.dropna() % 5 == 0).all()
    assert any(x.title == "Experience beside safety" for x in brep.sections)
    assert b.experience is not None and b.experience.staff is not None

"""Every verb that reads or writes a store, through the command line, on each
engine: ``ingest``, ``counts``, ``reconciliation -o``, ``quality -o`` and
``report lmns --format html`` write the same files with ``--engine spark`` on a
folder store as with ``--engine duckdb`` on a store file (CSV files byte for
byte; the report's tables cell for cell)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.quality import report as quality_report
from matequity.synth import write as synth_write
from matequity.synth.generate import generate

from .stores import Backend, spark_only

runner = CliRunner()


@pytest.fixture(scope="session")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A smaller synthetic England (one year, about 3,000 births) for the CLI."""
    out = tmp_path_factory.mktemp("cli-synthetic")
    res = generate(range(2023, 2024), seed=11, scale=0.005)
    paths = synth_write.write(res, out, range(2023, 2024), 11, 0.005, experience=False)
    return [paths["births"], paths["organisations"], paths["imd_lookup"]]


def invoke(*args: str | Path) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def run_verbs(backend: Backend, files: list[Path], out: Path) -> dict[str, str]:
    """Run every verb on a new store of ``backend`` (files in ``out``); what each printed."""
    store = backend.new_store(out)
    e = ["--engine", backend.kind]
    lmns = sorted(pd.read_csv(files[1])["lmns_code"])[0]
    return {
        "ingest": invoke("ingest", *files, "--store", store, *e),
        "counts": invoke(
            "counts",
            *("--store", store, "-o", out / "counts.csv", "--by", "ethnic_group,imd_quintile"),
            *("--level", "lmns", "--period", "quarter", "--totals", *e),
        ),
        "reconciliation": invoke(
            "reconciliation", "--store", store, "-o", out / "reconciliation.csv", *e
        ),
        "quality": invoke("quality", "--store", store, "-o", out / "quality", *e),
        "report": invoke(
            *("report", "lmns", "--store", store, "--org", lmns),
            *("-o", out / "report", "--format", "html", *e),
        ),
    }


@pytest.fixture(scope="session")
def verbs(small_files, tmp_path_factory) -> Callable[[Backend], tuple[Path, dict[str, str]]]:
    """Every verb run once per engine: the folder of its files, and its output."""
    done: dict[str, tuple[Path, dict[str, str]]] = {}

    def get(backend: Backend) -> tuple[Path, dict[str, str]]:
        if backend.kind not in done:
            out = tmp_path_factory.mktemp(f"cli-{backend.kind}")
            done[backend.kind] = (out, run_verbs(backend, small_files, out))
        return done[backend.kind]

    return get


def _written(out: Path) -> list[str]:
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and "store" not in p.relative_to(out).parts
    )


def test_every_verb_writes_its_files(backend, verbs):
    out, printed = verbs(backend)
    reports = [f"report/{p.name}" for p in (out / "report").glob("lmns_*.html")]
    assert len(reports) == 1
    quality = [f"quality/{f}" for f in quality_report.FILES]
    assert _written(out) == sorted(["counts.csv", "reconciliation.csv", *quality, *reports])
    assert "Reconciliation" in printed["ingest"]
    assert "disclosure" in printed["quality"]


@spark_only
def test_spark_writes_what_duckdb_writes(verbs, spark):
    spark_out, spark_printed = verbs(Backend("spark", spark))
    duck_out, duck_printed = verbs(Backend("duckdb"))
    files = _written(duck_out)
    assert _written(spark_out) == files
    for name in files:
        got, want = spark_out / name, duck_out / name
        if name.endswith(".csv"):
            assert got.read_bytes() == want.read_bytes(), name
        else:
            tables = html_tables(want)
            assert len(tables) > 3
            assert html_tables(got) == tables, name
            # and the whole page, charts too, but for the day it was produced
            assert _undated(got) == _undated(want), name
    for verb in ("ingest", "reconciliation", "quality"):
        assert _plain(spark_printed[verb]) == _plain(duck_printed[verb]), verb


def _undated(path: Path) -> str:
    return re.sub(r"(matequity [^<,]+), \d{4}-\d{2}-\d{2}", r"\1", path.read_text("utf-8"))


def _plain(text: str) -> list[str]:
    """Printed lines, without the lines that name a file or folder written."""
    return [line for line in text.splitlines() if "wrote" not in line and "->" not in line]


class Tables(HTMLParser):
    """The text of every table cell of an HTML page, table by table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> list[list[list[str]]]:
    p = Tables()
    p.feed(path.read_text(encoding="utf-8"))
    return p.tables

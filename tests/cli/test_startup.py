"""Starting the command line: only the command being run is built, and a count
table is made without the data-frame libraries.

``matequity counts`` must cost little more than the GROUP BY it runs (issue 13
asks for at most twice a bare DuckDB process); pandas and Ibis together cost
about half a second to import, so the count verb must not import them. These
tests check what is imported and built, not how long it takes (speed is
measured in ``benchmarks/``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app, only

runner = CliRunner()


def _names(typer_app) -> set[str]:
    cmds = {c.name or c.callback.__name__.replace("_", "-") for c in typer_app.registered_commands}
    return cmds | {g.name for g in typer_app.registered_groups}


@pytest.mark.parametrize("name", ["counts", "ingest", "signals", "report", "demo"])
def test_only_the_named_command_is_built(name):
    one = only(name)
    assert _names(one) == {name}
    assert one.registered_callback is app.registered_callback  # global options kept
    assert name in _names(app) and len(_names(app)) > 10  # the whole app is unchanged


@pytest.mark.parametrize("argv0", [None, "--help", "--version", "nosuch", "count"])
def test_anything_else_gets_the_whole_app(argv0):
    assert only(argv0) is app


@pytest.mark.parametrize(
    "args", [["counts", "--help"], ["signals", "--help"], ["report", "--help"]]
)
def test_help_of_one_command_is_the_same(args):
    whole = runner.invoke(app, args)
    alone = runner.invoke(only(args[0]), args)
    assert whole.exit_code == alone.exit_code == 0
    assert alone.output == whole.output


def test_a_misspelt_command_is_named_with_the_choices():
    res = runner.invoke(only("countz"), ["countz"])
    assert res.exit_code == 2
    assert "No such command 'countz'" in res.output


#: runs the console entry point as ``matequity ARGS...`` and reports which heavy
#: libraries were imported by the time the command finished
_PROBE = """
import json, sys
from matequity.cli.main import main
sys.argv = ["matequity", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as stop:
    code = stop.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "ibis", "numpy", "pyarrow"})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(args: list[str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV")}
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    return json.loads(res.stderr.strip().splitlines()[-1])


def test_a_count_table_is_made_without_pandas_or_ibis(synthetic_store: Path, tmp_path: Path):
    out = tmp_path / "c.csv"
    args = ["counts", "--store", str(synthetic_store), "-o", str(out)]
    got = _probe([*args, "--by", "ethnic_group,imd_quintile", "--level", "trust", "--totals"])
    assert got == {"code": 0, "heavy": []}
    # the file is the table the analyses see (made with pandas)
    from matequity import engine as engines
    from matequity.counts.compute import count_table
    from matequity.measures.catalogue import MEASURES

    with engines.open("duckdb", synthetic_store) as eng:
        want = count_table(
            eng, MEASURES, by=["ethnic_group", "imd_quintile"], level="trust", totals=True
        )
    back = pd.read_csv(out, dtype=object, keep_default_na=False)
    assert back.columns.tolist() == want.columns.tolist()
    assert back.astype(str).values.tolist() == want.astype(str).values.tolist()


def test_help_imports_no_data_library():
    assert _probe(["--help"]) == {"code": 0, "heavy": []}

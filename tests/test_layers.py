"""The shape holds in the code: presentation (outputs, the CLI, the web service)
never reaches the engine, a store, count tables, Ibis or DuckDB; DuckDB is used
only by the engine and ingest layers; report modules do no statistics."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "matequity"
PRESENTATION = ("outputs", "cli", "web")
BANNED = ("duckdb", "ibis", "matequity.engine", "matequity.store", "matequity.counts")


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def modules(*parts: str):
    for part in parts:
        yield from sorted((SRC / part).rglob("*.py"))


def test_presentation_never_reaches_the_engine_a_store_or_counts():
    seen = 0
    for p in modules(*PRESENTATION):
        seen += 1
        bad = {n for n in imports(p) for b in BANNED if n == b or n.startswith(b + ".")}
        assert not bad, f"{p.relative_to(SRC)} imports {sorted(bad)}"
    assert seen > 30


def test_duckdb_only_in_the_engine_and_ingest_layers():
    for p in SRC.rglob("*.py"):
        rel = p.relative_to(SRC)
        if rel.parts[0] in ("engine", "ingest"):
            continue
        assert not any(n == "duckdb" or n.startswith("duckdb.") for n in imports(p)), rel


def test_report_modules_lay_out_and_never_compute():
    """Report layouts import analyses' results and charts, never statistics,
    NumPy or the count tables."""
    for p in modules("outputs/reports"):
        names = imports(p)
        assert not any(n.startswith(("matequity.stats", "numpy", "scipy")) for n in names), p.name


#: what a report, MOSS run or count table starts with; none of it may import the
#: libraries that cost most of a second to import but only a few verbs need
START_UP = (
    "matequity.cli.main",
    "matequity.pipeline.reports",
    "matequity.pipeline.counts",
    "matequity.analyses.board",
    "matequity.analyses.lmns",
    "matequity.analyses.national",
    "matequity.signals.moss",
    "matequity.quality.plausibility",
)
SLOW_IMPORTS = ("scipy.stats", "scipy.optimize", "statsmodels")


def test_start_up_leaves_out_the_slow_imports():
    """scipy.stats, scipy.optimize and statsmodels are imported only inside the
    functions that need them (a model fit, the disclosure attack's programme,
    adjusted disparities), not by the modules every report and MOSS run loads."""
    import json
    import subprocess
    import sys

    code = (
        f"import json, sys\nfor m in {START_UP!r}: __import__(m)\n"
        "print(json.dumps([m for m in sys.modules if m.split('.')[0] in ('scipy', 'statsmodels')]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert "scipy.special" in loaded  # the check sees scipy's modules at all
    slow = {m for m in loaded for s in SLOW_IMPORTS if m == s or m.startswith(s + ".")}
    assert not slow, sorted(slow)

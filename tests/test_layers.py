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

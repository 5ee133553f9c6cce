"""The documentation says what the code does."""

from __future__ import annotations

from pathlib import Path

from matequity.ingest.reasons import REASON_CODES
from matequity.measures.catalogue import MEASURES
from matequity.model import schema

ROOT = Path(__file__).parents[1]


def test_data_model_lists_every_field_with_its_msds_source():
    text = (ROOT / "docs" / "data-model.md").read_text()
    for f in schema.BIRTH_FIELDS:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{f.name}` |"))
        assert f.msds_source in row
    for name in schema.ORGANISATION_STORE_COLUMNS:
        assert f"`{name}`" in text
    for code in REASON_CODES:
        assert f"`{code}`" in text
    for m in MEASURES:
        assert f"`{m.name}`" in text


def test_generated_tables_are_current():
    """Every generated block of the docs equals what the code makes now
    (``python scripts/generate-docs.py`` rewrites them)."""
    from matequity.docgen import GENERATORS, blocks

    seen = set()
    for p in (ROOT / "docs").glob("*.md"):
        for name, content in blocks(p.read_text()).items():
            assert content == GENERATORS[name](), f"{p.name}: run scripts/generate-docs.py"
            seen.add(name)
    assert seen == set(GENERATORS)


def test_readme_names_the_two_commands_and_ci_calls_the_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_reports_doc_names_every_chart_and_report():
    text = (ROOT / "docs" / "reports.md").read_text()
    charts = ROOT / "src" / "matequity" / "outputs" / "charts"
    for f in charts.glob("*.py"):
        if f.stem not in ("__init__", "palette", "spec", "render"):
            assert f"`charts/{f.name}`" in text, f.name
    for kind in ("lmns", "national", "board"):
        assert f"matequity report {kind}" in text and f"(`report {kind}`)" in text

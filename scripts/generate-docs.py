#!/usr/bin/env python3
"""Rewrite the documentation's generated tables from the code (see matequity.docgen)."""

from pathlib import Path

from matequity.docgen import update

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    for p in update(sorted((ROOT / "docs").glob("*.md"))):
        print(f"updated {p.relative_to(ROOT)}")

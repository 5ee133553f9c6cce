"""Releasing and auditing CSV files: what ``matequity disclose`` does.

* :func:`release_files`: count tables published together, released as one set
  (one input: ``output`` is the file to write; several: a folder, one file per
  input with the input's name). Nothing is written unless every table is
  released.
* :func:`audit_files`: the attacks run on files already released; every
  recoverable count by file, row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from matequity.disclosure.attack import Published, Result, attack
from matequity.disclosure.policy import Policy
from matequity.disclosure.release import ReleasedSet, release_set
from matequity.disclosure.spec import infer_spec
from matequity.errors import InputFileError, UserError
from matequity.tablefiles import read_counts, write_counts


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files, with each folder replaced by the CSV files in it."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("*.csv"))
            if not found:
                raise InputFileError(str(p), "the folder holds no CSV files")
            out.extend(found)
        elif not p.exists():
            raise InputFileError(str(p), "no such file or folder")
        else:
            out.append(p)
    return out


def read_organisations(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None
    if not path.is_file():
        raise InputFileError(str(path), "no such file (expected the organisations CSV)")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise InputFileError(str(path), "not a CSV table of organisations") from None


def read_released(path: Path) -> pd.DataFrame:
    """A released table as text (numbers are read by the attacker)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise InputFileError(str(path), "not a CSV table") from None


def _targets(inputs: list[Path], output: Path) -> list[Path]:
    if len(inputs) == 1 and not output.is_dir():
        targets = [output]
    else:
        if output.exists() and not output.is_dir():
            raise UserError(
                f"-o {output}: several tables are released together; -o must be a folder"
            )
        names = [p.name for p in inputs]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise UserError(f"two inputs are named {dup}: their released files would collide")
        targets = [output / p.name for p in inputs]
    for src, dst in zip(inputs, targets, strict=True):
        if dst.resolve() == src.resolve():
            raise UserError(f"-o {output}: would overwrite the input {src}")
    return targets


def release_files(
    inputs: Sequence[Path],
    output: Path,
    policy: Policy,
    by: Sequence[str] | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
    organisations: Path | None = None,
    published: Sequence[Path] = (),
) -> tuple[list[Path], ReleasedSet]:
    """Release ``inputs`` together under ``policy``; the paths written."""
    files = expand(inputs)
    targets = _targets(files, output)
    frames = {str(p): read_counts(p) for p in files}
    specs = {n: infer_spec(f, by, statistic, multiplier) for n, f in frames.items()}
    beside = [Published(str(p), read_released(p)) for p in expand(published)]
    released = release_set(frames, policy, specs, read_organisations(organisations), beside)
    if len(files) > 1:
        output.mkdir(parents=True, exist_ok=True)
    written = [write_counts(released[str(p)], t) for p, t in zip(files, targets, strict=True)]
    return written, released


def audit_files(
    paths: Sequence[Path],
    organisations: Path | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
) -> Result:
    """The attacks on released files published together."""
    files = expand(paths)
    tables = [Published(str(p), read_released(p), statistic, multiplier) for p in files]
    return attack(tables, read_organisations(organisations))

"""Experience tables in the store, beside the records, so that every analysis
(reports, the dashboard) can set experience beside outcomes.

``matequity experience load FILES --store S`` reads each file with its checked
reader (the kind is told by its header: WRES, CQC maternity survey, CQC national
results by ethnic group, Friends and Family Test, a trust's own survey or
complaints by ethnic group, ONS population), and writes it to the store's
``experience_*`` table in one all-or-nothing write: rows of the same
organisation and period replace the earlier ones, so loading a year again
never double counts. Each file is recorded in ``loads`` (kind
``experience_*``), which the derived tables ignore.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from matequity import __version__, engine
from matequity.errors import InputFileError
from matequity.experience import family_format, population, wres_format


@dataclass(frozen=True, kw_only=True)
class Source:
    """One kind of experience file: how it is recognised, read and keyed."""

    name: str
    title: str
    #: header columns that tell this kind from the others
    marks: frozenset[str]
    read: Callable[[Path], pd.DataFrame]
    #: the columns whose values a new file replaces
    keys: tuple[str, ...]

    @property
    def table(self) -> str:
        return f"experience_{self.name}"


SOURCES: tuple[Source, ...] = (
    Source(
        name="wres",
        title="Workforce Race Equality Standard",
        marks=frozenset({"indicator", "group"}),
        read=wres_format.read_wres,
        keys=("org_code", "period"),
    ),
    Source(
        name="cqc_survey",
        title="CQC maternity survey",
        marks=frozenset({"question_id", "expected_lower"}),
        read=family_format.read_cqc_survey,
        keys=("org_code", "period"),
    ),
    Source(
        name="cqc_national",
        title="CQC maternity survey, national results by ethnic group",
        marks=frozenset({"question_id", "ethnic_group", "score"}),
        read=family_format.read_cqc_national,
        keys=("period",),
    ),
    Source(
        name="fft",
        title="Friends and Family Test (maternity)",
        marks=frozenset({"touchpoint", "positive", "responses"}),
        read=family_format.read_fft,
        keys=("org_code", "period"),
    ),
    Source(
        name="family_counts",
        title="Families' experience by ethnic group (local survey or complaints)",
        marks=frozenset({"ethnic_group", "measure", "numerator", "denominator"}),
        read=family_format.read_family_counts,
        keys=("org_code", "period", "measure"),
    ),
    Source(
        name="population",
        title="ONS population estimates by ethnic group",
        marks=frozenset({"population_group", "population"}),
        read=population.read_population,
        keys=("org_code", "period"),
    ),
)
BY_NAME: dict[str, Source] = {s.name: s for s in SOURCES}
TABLES: tuple[str, ...] = tuple(s.table for s in SOURCES)


def kind_of(path: Path) -> Source:
    """The kind of experience file, from its header."""
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (OSError, ValueError, UnicodeDecodeError):
        raise InputFileError(str(path), "not a readable CSV table") from None
    cols = {c.strip().lower() for c in header}
    for s in SOURCES:
        if s.marks <= cols:
            return s
    raise InputFileError(
        str(path),
        "not an experience table: expected the columns of a WRES, CQC survey, CQC national, "
        "FFT, family survey or population file (docs/data-model.md)",
    )


@dataclass(frozen=True)
class Loaded:
    path: Path
    source: str
    rows: int
    status: str


def load(kind: str, location: str | Path, paths: Sequence[str | Path]) -> list[Loaded]:
    """Read and check every file, then write them all in one write of the store."""
    import hashlib

    read = []
    for p in map(Path, paths):
        if not p.exists():
            raise InputFileError(str(p), "no such file")
        src = kind_of(p)
        read.append((p, src, src.read(p), hashlib.sha256(p.read_bytes()).hexdigest()))
    out = []
    with engine.writer(kind, location, create=False) as w:
        for p, src, df, digest in read:
            loads = w.table("loads")
            seen = w.execute(loads.filter(loads.sha256 == digest).select("load_id"))
            if len(seen):
                out.append(Loaded(p, src.name, 0, "skipped: already loaded"))
                continue
            df = df.astype({k: str for k in src.keys})
            rows = len(df)
            if w.has_table(src.table):
                old = w.execute(w.table(src.table))
                old = old.astype({k: str for k in src.keys})
                keep = ~old.set_index(list(src.keys)).index.isin(df.set_index(list(src.keys)).index)
                df = pd.concat([old[keep], df], ignore_index=True)
            w.replace(src.table, df)
            t = w.table("loads")
            n = w.execute(t.aggregate(m=t.load_id.max()))["m"].iloc[0]
            w.insert(
                "loads",
                pd.DataFrame(
                    {
                        "load_id": [1 if pd.isna(n) else int(n) + 1],
                        "file_name": [p.name],
                        "file_path": [str(p.resolve())],
                        "sha256": [digest],
                        "kind": [src.table],
                        "format": ["csv"],
                        "loaded_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
                        "rows_read": [rows],
                        "rows_accepted": [rows],
                        "rows_quarantined": [0],
                        "matequity_version": [__version__],
                    }
                ),
            )
            out.append(Loaded(p, src.name, rows, "loaded"))
    return out


def table(eng, name: str) -> pd.DataFrame | None:
    """The store's experience table ``name`` (a :data:`SOURCES` name), or None."""
    src = BY_NAME[name]
    return eng.execute(eng.table(src.table)) if eng.has_table(src.table) else None

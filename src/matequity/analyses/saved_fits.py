"""Model fits saved beside the store: a fit is made once per store content.

A stabilised-rates fit (a binomial GLMM over every trust's case-mix cells,
:mod:`matequity.stats.glmm`; about a second per measure at 6M births) depends only
on the store's content, the fit's parameters and the code that makes it. The
first analysis that needs one makes it and saves the result in the folder
``<store>.fits`` beside the store (one JSON record and Parquet tables per fit,
written under temporary names and renamed, the record last); later analyses of
the same content read it back, exactly (Parquet keeps every value and type).

A fit is found by a key: a hash of the store's content version (every load: its
number, kind, file's SHA-256 and rows; the derived tables' definitions), the
source of the modules that make the fit (:data:`DEFINING`), the numerical
libraries' versions and the fit's parameters. So a store loaded again, replaced
by another with other data at the same path, or a matequity with other
definitions, never reads an old fit;
saving a fit removes those of other store contents or other code.

What is saved is an analyst-only table (trust-level counts and estimates before
disclosure control), beside the records it came from and as private as they
are; analyses release it under their policy after reading. A store that is not a
local path (a Spark catalog) or a folder that cannot be written is simply fitted
every time: this is a cache, and reading or saving it is never an error (a
damaged or unreadable entry is fitted again). The folder is made readable by its
owner only.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from matequity import sources
from matequity.engine.base import Engine

#: the packages and modules whose source makes a fit (every file of a package)
DEFINING = (
    "matequity.engine",
    "matequity.stats",
    "matequity.counts",
    "matequity.model",
    "matequity.measures",
    "matequity.vocabulary",
    "matequity.analyses.organisations",
    "matequity.analyses.stabilised_rates",
    "matequity.analyses.saved_fits",
)
#: the libraries whose versions can change a fit's numbers or how it is saved
LIBRARIES = ("numpy", "scipy", "pandas", "duckdb", "ibis-framework", "pyarrow")
#: the version of the saved layout
LAYOUT = 1
#: a temporary file older than this (seconds) was left by a save that died
STALE = 3600.0


def folder(engine: Engine) -> Path | None:
    """Where the store's fits are saved, beside the store (None: a store that is
    not a local path). The path is made absolute first, so that '.' or '..' name
    the folder beside that directory, not inside it."""
    loc = str(engine.location)
    if not loc or loc.startswith("catalog:"):
        return None
    p = Path(os.path.abspath(loc))
    if not p.name:  # the file system's root
        return None
    return p.with_name(p.name + ".fits")


def _hash_code() -> str:
    versions = []
    for lib in LIBRARIES:
        try:
            versions.append(f"{lib}={importlib.metadata.version(lib)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{lib}=absent")
    return sources.digest(sources.files(DEFINING), versions)


#: the defining source's hash, taken when this module is imported (with the
#: analyses that fit), so a source edited later in a long-running process does not
#: give the code in memory a new key
_CODE = _hash_code()


def _code() -> str:
    return _CODE


def content(engine: Engine) -> str | None:
    """A fingerprint of the store's content: its version
    (:meth:`~matequity.engine.base.Engine.version`: every load and the derived
    stamp; None: a store with nothing loaded)."""
    if not engine.has_table("loads") or not engine.rows("loads"):
        return None
    return engine.version()


def key(engine: Engine, kind: str, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """(store fingerprint, key) of a fit of ``kind`` with ``params`` (JSON
    values); None when the store has no content to key on."""
    store = content(engine)
    if store is None:
        return None
    what = json.dumps(
        {"layout": LAYOUT, "kind": kind, "params": params, "code": _code(), "store": store},
        sort_keys=True,
    )
    return store, f"{kind}-{hashlib.sha256(what.encode()).hexdigest()[:32]}"


def _generation(store: str) -> str:
    """What a saved fit must share with today's to be kept: the store's content,
    this code and the layout."""
    return hashlib.sha256(f"{LAYOUT}:{store}:{_code()}".encode()).hexdigest()


def read(
    engine: Engine, kind: str, params: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]] | None:
    """The saved fit's values and tables, or None when there is none to read
    (none saved, half written, damaged or unreadable: the caller fits again)."""
    where = folder(engine)
    if where is None:
        return None
    try:
        k = key(engine, kind, params)
        if k is None:
            return None
        meta = json.loads((where / f"{k[1]}.json").read_text())
        tables, values = meta["tables"], meta["values"]
        if meta["key"] != k[1] or not isinstance(values, dict) or not isinstance(tables, list):
            return None
        frames = {str(n): pd.read_parquet(where / f"{k[1]}.{n}.parquet") for n in tables}
    except Exception:  # a cache: anything wrong with it means fitting again
        return None
    return values, frames


def save(
    engine: Engine,
    kind: str,
    params: Mapping[str, Any],
    values: Mapping[str, Any],
    frames: Mapping[str, pd.DataFrame],
) -> Path | None:
    """Save a fit (``values``: JSON values; ``frames``: its tables); the path of
    its record, or None when it could not be saved (nothing is raised)."""
    where = folder(engine)
    if where is None:
        return None
    tmp = f".tmp-{os.getpid()}-{threading.get_ident()}"
    written: list[Path] = []
    try:
        k = key(engine, kind, params)
        if k is None:
            return None
        store, name = k
        where.mkdir(mode=0o700, exist_ok=True)
        for n, df in frames.items():
            part = where / f"{name}.{n}.parquet{tmp}"
            written.append(part)
            df.to_parquet(part)
        record = where / f"{name}.json{tmp}"
        written.append(record)
        meta = {
            "key": name,
            "generation": _generation(store),
            "tables": list(frames),
            "values": dict(values),
        }
        record.write_text(json.dumps(meta))
        for p in written:  # the record last: a fit is there once its record is
            os.replace(p, p.with_name(p.name.removesuffix(tmp)))
        _prune(where, _generation(store))
    except Exception:  # a cache: a fit that cannot be saved is fitted next time
        for p in written:
            with contextlib.suppress(OSError):
                p.unlink()
        return None
    return where / f"{name}.json"


def _prune(where: Path, generation: str) -> None:
    """Remove the fits of other store contents or of other code, and temporary
    files that a save which died left behind."""
    for record in where.glob("*.json"):
        try:
            meta = json.loads(record.read_text())
            if not isinstance(meta, dict) or meta.get("generation") == generation:
                continue
            tables = meta.get("tables")
            for n in tables if isinstance(tables, list) else []:
                with contextlib.suppress(OSError):
                    (where / f"{record.stem}.{n}.parquet").unlink()
            record.unlink()
        except (OSError, ValueError):
            continue
    now = time.time()
    for part in where.glob("*.tmp-*"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > STALE:
                part.unlink()

"""A hash of matequity's own source: how stored results name the code that made
them (the derived tables' stamp, saved model fits), so that results of other
code are never read as this code's."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path


def files(modules: Sequence[str]) -> list[Path]:
    """The source files of ``modules`` (found, not imported), in the order given;
    a package stands for every module file in its folder, sorted."""
    out: list[Path] = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        out += sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
    return out


def digest(paths: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """SHA-256 (hex) of each file's name and bytes, in order, then of ``extra``."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    for text in extra:
        h.update(text.encode())
    return h.hexdigest()

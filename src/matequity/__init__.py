"""matequity: equity and safety monitoring for maternity and neonatal care.

Records -> counts -> statistics -> outputs. See docs/data-model.md.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first
    asked for (importlib.metadata costs about 60 ms at start-up, which every
    command would otherwise pay; PEP 562)."""
    if name != "__version__":
        raise AttributeError(f"module 'matequity' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("matequity")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        v = "0.0.0+unknown"
    globals()["__version__"] = v
    return v

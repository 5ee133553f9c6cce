"""matequity: equity and safety monitoring for maternity and neonatal care.

Records -> counts -> statistics -> outputs. See docs/data-model.md.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("matequity")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

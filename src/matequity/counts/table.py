"""Moved to :mod:`matequity.tablefiles` (count tables as files); kept as an alias
while other branches still import it from here."""

from matequity.tablefiles import neutralise, read_counts, write_counts  # noqa: F401

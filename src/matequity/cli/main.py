"""The ``matequity`` command line: records, counts, statistics.

User errors print one line and exit with status 2; there are no tracebacks for
bad input, and no record-level values in any message.
"""

from __future__ import annotations

import copy
import sys

import typer

from matequity.cli import (  # noqa: F401  (they register commands)
    disclose,
    experience,
    models,
    quality,
    records,
    report,
    service,
    signals,
    statistics,
)
from matequity.cli.app import app

__all__ = ["app", "main", "only"]


def only(name: str | None, whole: typer.Typer = app) -> typer.Typer:
    """``whole`` with only its command or group called ``name`` (its global
    options and callback kept), or ``whole`` itself if it has none by that
    name (no command, ``--help``, ``--version``, a misspelling: those need
    every command).

    Typer reads the signature and type hints of every registered command
    when it builds the command line, about a quarter of a second for all of
    matequity's; a command needs only its own. Command names are Typer's
    (https://typer.tiangolo.com/tutorial/commands/name/): the given name, or
    the function's with underscores as dashes."""
    commands = [c for c in whole.registered_commands if _name(c) == name]
    groups = [g for g in whole.registered_groups if g.name == name]
    if not commands and not groups:
        return whole
    one = copy.copy(whole)
    one.registered_commands, one.registered_groups = commands, groups
    return one


def _name(command) -> str:
    return command.name or command.callback.__name__.lower().replace("_", "-")


def main() -> None:
    """The ``matequity`` console script: :func:`only` the command being run."""
    only(sys.argv[1] if len(sys.argv) > 1 else None)()


if __name__ == "__main__":  # pragma: no cover
    main()

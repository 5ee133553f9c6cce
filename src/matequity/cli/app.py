"""The ``matequity`` Typer app and what every command shares.

User errors print one line and exit with status 2; there are no tracebacks for
bad input, and no record-level values in any message.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from matequity import __version__
from matequity import vocabulary as vocab
from matequity.cli.progress import err_console
from matequity.errors import UserError

app = typer.Typer(
    name="matequity",
    help="Equity and safety monitoring for maternity and neonatal care.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
# soft wrap: a path or a one-line message is never broken across lines
console = Console(soft_wrap=True)


#: the names of options that are written (every other path option is read)
OUTPUT_OPTIONS = frozenset(
    {"out", "output", "curve", "summary", "plot", "model", "trend", "report_file", "images_dir"}
)


def _paths(value: Any) -> list[Path]:
    if isinstance(value, Path):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, Path)]
    return []


def check_paths(kwargs: dict[str, Any]) -> None:
    """No output may be an input, the store, or inside a folder store: one line
    naming the option (the inputs stay as they were)."""
    inputs = [p for k, v in kwargs.items() if k not in OUTPUT_OPTIONS for p in _paths(v)]
    for name, value in kwargs.items():
        if name not in OUTPUT_OPTIONS:
            continue
        for out in _paths(value):
            target = out.resolve()
            for src in inputs:
                r = src.resolve()
                if target == r or (r.is_dir() and target.is_relative_to(r)):
                    flag = "-o" if name in ("out", "output") else "--" + name.replace("_", "-")
                    raise UserError(
                        f"{flag} {out}: would overwrite the store or an input ({src}); "
                        "choose another path"
                    )


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a UserError (and an operating-system error such as a folder that
    cannot be written) into one line on stderr and exit status 2; check first
    that no output would overwrite an input."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_paths(kwargs)
            return fn(*args, **kwargs)
        except UserError as exc:
            err_console.print(
                f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None
        except OSError as exc:
            where = exc.filename or "a file"
            why = exc.strerror or type(exc).__name__
            err_console.print(
                f"[red]error:[/red] {escape(str(where))}: {escape(why)}",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2) from None

    return wrapper


def _years(text: str) -> range:
    try:
        if "-" in text:
            a, b = (int(x) for x in text.split("-", 1))
        else:
            a = b = int(text)
    except ValueError:
        raise UserError(f"--years '{text}': expected YEAR or FIRST-LAST, e.g. 2015-2024") from None
    from matequity.synth.calibration import BIRTHS_PER_YEAR

    lo, hi = min(BIRTHS_PER_YEAR), max(BIRTHS_PER_YEAR)
    if not (lo <= a <= b <= hi):
        raise UserError(f"--years '{text}': the synthetic England covers {lo}-{hi}")
    return range(a, b + 1)


def _choices(name: str, values) -> type[StrEnum]:
    """A Typer choice type from a vocabulary tuple (members named as their values)."""
    return StrEnum(name, {v.replace(".", "_"): v for v in values})


Period = _choices("Period", vocab.PERIODS)
Level = _choices("Level", vocab.LEVEL_NAMES)
EngineName = _choices("EngineName", ("duckdb", "spark"))
Grouping = _choices("Grouping", vocab.GROUPINGS)
Overdispersion = _choices("Overdispersion", vocab.OVERDISPERSION)
ReportFormat = _choices("ReportFormat", ("html", "pdf", "both"))
StatisticName = _choices("StatisticName", ("proportion", "rate", "ratio"))

#: the options every verb that reads or writes a store shares
StoreOpt = Annotated[
    Path, typer.Option("--store", help="The store: a DuckDB file, or a folder for --engine spark.")
]
EngineOpt = Annotated[
    EngineName, typer.Option("--engine", help="duckdb (embedded, the default) or spark.")
]


class Confidence(StrEnum):
    c95 = "95"
    c998 = "99.8"
    both = "both"


def guard_output(out: Path, inputs: Sequence[Path], folder: bool = False) -> None:
    """Refuse an output path that would overwrite an input or the store, or a
    folder output that is an existing file; make sure the output's folder can be
    created and written. One line naming the option and the problem."""
    target = out.resolve()
    for p in inputs:
        src = Path(p).resolve()
        if target == src or (src.is_dir() and target.is_relative_to(src)):
            raise UserError(f"-o {out}: is the store or an input ({p}); choose another path")
    if folder and out.exists() and not out.is_dir():
        raise UserError(f"-o {out}: is a file; give a folder for the output")
    if not folder and out.is_dir():
        raise UserError(f"-o {out}: is a folder; give a file name for the output")
    parent = out if folder else out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"-o {out}: cannot create {parent} ({exc.strerror})") from None
    if not os.access(parent, os.W_OK):
        raise UserError(f"-o {out}: {parent} is not writable")


def _version(value: bool) -> None:
    if value:
        console.print(f"matequity {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Records -> counts -> statistics -> outputs."""

"""The ``matequity`` Typer app and what every command shares.

User errors print one line and exit with status 2; there are no tracebacks for
bad input, and no record-level values in any message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

from matequity import __version__
from matequity.cli.progress import err_console
from matequity.errors import UserError

app = typer.Typer(
    name="matequity",
    help="Equity and safety monitoring for maternity and neonatal care.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console()


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a UserError into one line on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
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


class Period(StrEnum):
    year = "year"
    quarter = "quarter"
    month = "month"
    all = "all"


class Level(StrEnum):
    england = "england"
    region = "region"
    lmns = "lmns"
    trust = "trust"
    site = "site"


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Grouping(StrEnum):
    msds = "msds"
    ons = "ons"


class StatisticName(StrEnum):
    proportion = "proportion"
    rate = "rate"
    ratio = "ratio"


class Confidence(StrEnum):
    c95 = "95"
    c998 = "99.8"
    both = "both"


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

"""A Rich progress display for long steps (spinner, current step, elapsed time), on a
terminal only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

err_console = Console(stderr=True, soft_wrap=True)


@contextmanager
def steps(title: str) -> Iterator[Callable[[str], None]]:
    """Yield ``step(message)``; each call moves the bar on and names the step.
    Only on a terminal: in logs and pipes nothing is drawn."""
    if not err_console.is_terminal:
        yield lambda _message: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as progress:
        task = progress.add_task(title, total=None)

        def step(message: str) -> None:
            progress.update(task, description=f"{title}: {message}")

        yield step
        progress.update(task, description=f"{title}: done")

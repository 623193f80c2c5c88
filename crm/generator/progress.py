"""A rich progress bar over customers (done / N, rate, ETA) on stderr, quiet when that is not a terminal."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Customers per second: rich's own speed column formats bytes."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "-/s", style="progress.data.speed")


class progress_bar:  # noqa: N801 - used as a context manager, like open()
    """``with progress_bar(total, enabled) as advance: advance(n)``; a no-op unless stderr is a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        console = Console(stderr=True, soft_wrap=True)
        self.progress = Progress(
            TextColumn("[bold]customers"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            RateColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not (enabled and console.is_terminal),
            transient=False,
        )
        self.total = total

    def __enter__(self) -> Callable[[int], None]:
        self.progress.__enter__()
        task = self.progress.add_task("customers", total=self.total)
        return lambda n: self.progress.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

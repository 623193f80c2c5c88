"""``crm run [NAME…]``: run processors in the foreground until SIGINT/SIGTERM, then stop cleanly.

One processor runs in this process. Several run as one child process each (Python is bound to a core per
process, so separate processes are what scales), supervised here: a signal is passed on to all of them, one
that exits without being asked (an error, a signal sent to it alone) is restarted after a growing delay, and
one that keeps exiting stops the others and the exit status says so. Each processor serves its Prometheus
metrics on a port of its own (`processors.common.metrics_endpoint`).
"""

from __future__ import annotations

import importlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import typer
from rich.console import Console

from crm.errors import CrmError
from crm.settings import get_settings
from domain.wording import count_of

console = Console(stderr=True, highlight=False, soft_wrap=True)


def run(names: list[str] = typer.Argument(None, help="Processors to run (default: all).")) -> None:
    """Run processors in the foreground until interrupted."""
    from processors.registry import PROCESSORS

    chosen = names or list(PROCESSORS)
    unknown = [name for name in chosen if name not in PROCESSORS]
    if unknown:
        raise CrmError(f"unknown processor {', '.join(unknown)}; processors: {', '.join(PROCESSORS)}")
    if len(chosen) == 1:
        from processors.common.metrics_endpoint import serve_metrics

        settings = get_settings()
        port = serve_metrics(settings, chosen[0])
        metrics = f", metrics on port {port}" if port else ""
        console.print(f"running {chosen[0]} (Ctrl-C to stop){metrics}")
        importlib.import_module(PROCESSORS[chosen[0]]).run(settings)
        return
    _supervise(chosen)


RESTART_LIMIT = 5  # exits of one processor within RESTART_WINDOW_S before the supervisor gives up
RESTART_WINDOW_S = 600.0
RESTART_DELAY_S = (1.0, 30.0)  # first delay, doubled per recent exit up to the second


@dataclass
class Restarts:
    """When a supervised processor that exited is started again: after a delay that doubles with each of its
    exits within ``window_s``, or never once it exited ``limit`` times within it."""

    limit: int = RESTART_LIMIT
    window_s: float = RESTART_WINDOW_S
    delays: tuple[float, float] = RESTART_DELAY_S
    exits: dict[str, list[float]] = field(default_factory=dict)

    def after_exit(self, name: str, now: float) -> float | None:
        """Record an exit of ``name`` at ``now``; the delay before starting it again, None to give up."""
        recent = [t for t in self.exits.get(name, []) if now - t < self.window_s] + [now]
        self.exits[name] = recent
        if len(recent) >= self.limit:
            return None
        return min(self.delays[0] * 2 ** (len(recent) - 1), self.delays[1])

    def recent(self, name: str) -> int:
        return len(self.exits.get(name, []))


def exit_described(code: int) -> str:
    """How a child ended, in words: its exit status, or the signal that ended it."""
    if code < 0:
        try:
            return f"was ended by {signal.Signals(-code).name}"
        except ValueError:
            return f"was ended by signal {-code}"
    return f"exited (status {code})"


def _supervise(
    names: list[str],
    start: Callable[[str], subprocess.Popen] | None = None,
    restarts: Restarts | None = None,
) -> None:
    """Run each processor as a child; start again one that exits without being asked (a Kafka outage longer
    than the group's session timeout, say, makes a processor exit: it resumes from its committed offsets; a
    SIGTERM sent to one child by hand stops it cleanly, yet the product needs it) after a growing delay, and
    give up, stopping the others, when one exits ``Restarts.limit`` times within its window. A SIGINT or
    SIGTERM to this process stops them all."""
    start = start or _start_child
    restarts = restarts or Restarts()
    children = {name: start(name) for name in names}
    restart_at: dict[str, float] = {}
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    given_up: list[str] = []
    while not stopping and not given_up:
        now = time.monotonic()
        for name, child in children.items():
            if name in restart_at:
                if now >= restart_at[name]:
                    del restart_at[name]
                    children[name] = start(name)
                continue
            if child.poll() is None or stopping:
                continue
            delay = restarts.after_exit(name, now)
            if delay is None:
                given_up.append(name)
                continue
            console.print(
                f"[yellow]![/] {name} {exit_described(child.returncode)}; restarting it in {delay:g} s "
                f"({count_of(restarts.recent(name), 'exit')} in the last {restarts.window_s / 60:g} min)"
            )
            restart_at[name] = now + delay
        time.sleep(0.5)
    if given_up and not stopping:
        console.print(
            f"[red]✗[/] {', '.join(given_up)} {'has' if len(given_up) == 1 else 'have'} stopped "
            f"{restarts.limit} times in {restarts.window_s / 60:g} min; stopping the others"
        )
        stop(signal.SIGTERM, None)
    for child in children.values():
        child.wait()
    if given_up:
        raise CrmError(f"processor {', '.join(given_up)} kept stopping; see its log lines above")


def _start_child(name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crm", "run", name])

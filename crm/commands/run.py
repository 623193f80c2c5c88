"""``crm run [NAME…]``: run processors in the foreground until SIGINT/SIGTERM, then stop cleanly.

One processor runs in this process. Several run as one child process each (Python is bound to a core per
process, so separate processes are what scales), supervised here: a signal is passed on to all of them, one
that fails is restarted after a growing delay, and one that keeps failing stops the others and the exit
status says so. Each processor serves its Prometheus metrics on a port of its own
(`processors.common.metrics_endpoint`).
"""

from __future__ import annotations

import importlib
import signal
import subprocess
import sys
import time

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


RESTART_LIMIT = 5  # failures of one processor within RESTART_WINDOW_S before the supervisor gives up
RESTART_WINDOW_S = 600.0
RESTART_DELAY_S = (1.0, 30.0)  # first delay, doubled per recent failure up to the second


def _supervise(names: list[str]) -> None:
    """Run each processor as a child; restart one that fails (a Kafka outage longer than the group's
    session timeout, say, makes a processor exit: it resumes from its committed offsets) after a growing
    delay, and give up, stopping the others, when one fails RESTART_LIMIT times within RESTART_WINDOW_S."""
    children = {name: _start_child(name) for name in names}
    failures: dict[str, list[float]] = {name: [] for name in names}
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
                    children[name] = _start_child(name)
                continue
            if child.poll() is None:
                continue
            recent = [t for t in failures[name] if now - t < RESTART_WINDOW_S] + [now]
            failures[name] = recent
            if child.returncode == 0 or len(recent) >= RESTART_LIMIT:
                given_up.append(name)
                continue
            delay = min(RESTART_DELAY_S[0] * 2 ** (len(recent) - 1), RESTART_DELAY_S[1])
            console.print(
                f"[yellow]![/] {name} exited ({child.returncode}); restarting it in {delay:.0f} s "
                f"({count_of(len(recent), 'failure')} in the last {RESTART_WINDOW_S / 60:.0f} min)"
            )
            restart_at[name] = now + delay
        time.sleep(0.5)
    if given_up and not stopping:
        console.print(f"[red]✗[/] {', '.join(given_up)} stopped; stopping the others")
        stop(signal.SIGTERM, None)
    for child in children.values():
        child.wait()
    failed = [name for name, child in children.items() if child.returncode not in (0, -signal.SIGTERM)]
    if failed and given_up:
        raise CrmError(f"processor {', '.join(failed)} exited with an error")


def _start_child(name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crm", "run", name])

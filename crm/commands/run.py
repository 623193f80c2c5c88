"""``crm run [NAME…]``: run processors in the foreground until SIGINT/SIGTERM, then stop cleanly.

One processor runs in this process. Several run as one child process each (Python is bound to a core per
process, so separate processes are what scales), supervised here: a signal is passed on to all of them, and
if one dies the others are stopped and the exit status says so.
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

console = Console(stderr=True, highlight=False, soft_wrap=True)


def run(names: list[str] = typer.Argument(None, help="Processors to run (default: all).")) -> None:
    """Run processors in the foreground until interrupted."""
    from processors.registry import PROCESSORS

    chosen = names or list(PROCESSORS)
    unknown = [name for name in chosen if name not in PROCESSORS]
    if unknown:
        raise CrmError(f"unknown processor {', '.join(unknown)}; processors: {', '.join(PROCESSORS)}")
    if len(chosen) == 1:
        console.print(f"running {chosen[0]} (Ctrl-C to stop)")
        importlib.import_module(PROCESSORS[chosen[0]]).run(get_settings())
        return
    _supervise(chosen)


def _supervise(names: list[str]) -> None:
    children = {name: subprocess.Popen([sys.executable, "-m", "crm", "run", name]) for name in names}
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(child.poll() is None for child in children.values()):
        time.sleep(0.5)
    if not stopping:
        dead = [name for name, child in children.items() if child.poll() is not None]
        console.print(f"[red]✗[/] {', '.join(dead)} stopped; stopping the others")
        stop(signal.SIGTERM, None)
    for child in children.values():
        child.wait()
    failed = [name for name, child in children.items() if child.returncode not in (0, -signal.SIGTERM)]
    if failed and not stopping:
        raise CrmError(f"processor {', '.join(failed)} exited with an error")

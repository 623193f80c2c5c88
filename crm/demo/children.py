"""The demo's child processes (`crm run`, `crm api`): started, watched, and stopped together.

Each child gets a session of its own, so a Ctrl-C at the terminal reaches only the demo, which then stops the
children in order; each child's output goes to a log file, whose last lines are shown if it dies. On Linux a
child is also told to stop when the demo itself dies (PR_SET_PDEATHSIG), so a killed demo leaves nothing
running behind it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from crm.errors import CrmError
from crm.settings import Settings

STOP_TIMEOUT_S = 60.0  # per child, after SIGTERM; then its whole process group is killed
TAIL_LINES = 25


class ChildDied(CrmError):
    """A child process exited while the demo was running; the message holds its last output lines."""


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the thread that started it (the demo's main) ends."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def logs_dir(settings: Settings) -> Path:
    """Where the demo's children write their output: one folder per namespace."""
    return settings.state_dir / "demo" / "logs" / (settings.namespace.strip(".") or "default")


def tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    try:
        with path.open(errors="replace") as handle:
            return list(deque((line.rstrip("\n") for line in handle), maxlen=lines))
    except FileNotFoundError:
        return []


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path
    _log_handle: IO[bytes] = field(repr=False)

    @property
    def running(self) -> bool:
        return self.process.poll() is None


@dataclass
class Supervisor:
    """Starts children and stops them all, in reverse order of starting."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        handle = log.open("wb")
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**(env or os.environ), "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        child = Child(name, process, log, handle)
        self.children.append(child)
        return child

    def start_crm(self, name: str, *args: str) -> Child:
        """A `crm` sub-command as a child, run by this very interpreter."""
        return self.start(name, [sys.executable, "-m", "crm", *args])

    def check(self) -> None:
        """Raise ChildDied, with its last output lines, if a child has exited."""
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                lines = "\n".join(f"  {line}" for line in tail(child.log))
                raise ChildDied(
                    f"{child.name} stopped unexpectedly (exit status {code}); its last output "
                    f"({child.log}):\n{lines}"
                )

    def stop(self, report: Callable[[str], None] = lambda _: None) -> None:
        """SIGTERM every running child, wait for each (killing its process group after STOP_TIMEOUT_S)."""
        for child in reversed(self.children):
            if child.running:
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in reversed(self.children):
            was_running = child.process.returncode is None
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
                report(f"{child.name} did not stop within {STOP_TIMEOUT_S:.0f} s and was killed")
            else:
                if was_running:
                    report(f"{child.name} stopped")
            child._log_handle.close()
        self.children.clear()

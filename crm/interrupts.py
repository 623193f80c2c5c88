"""Stopping a long-running command (`crm demo`, `crm replay` while it follows) with Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """SIGTERM interrupts like Ctrl-C does, and Ctrl-C (SIGINT) interrupts even when the command was started
    with SIGINT ignored, as a background job of a non-interactive shell is (`crm demo &` in a script, some CI
    runners): Python then installs no handler of its own, and the command could only be killed."""
    previous = (
        signal.signal(signal.SIGTERM, _interrupt),
        signal.signal(signal.SIGINT, signal.default_int_handler),
    )
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])

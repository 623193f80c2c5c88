"""A stable name for this processor instance, so that a restarted instance takes over from a killed one.

Under exactly-once each instance writes through a transactional Kafka producer. With a random
``transactional.id`` (the framework's default), a transaction left open by an instance that was killed
(SIGKILL, OOM, a lost container) stays open until the broker's transaction timeout (a minute): readers of
its output topics cannot read past it and the restarted instance may fail to fetch its committed offsets.
With a stable id the restarted instance's producer fences the old one and aborts that transaction at once.

The id is ``<consumer group>-<host>-<slot>``: the slot is the lowest number whose lock file this process
could lock (an ``flock``, released by the kernel when the process dies however it dies), so instances of
one processor on one host never share an id (they would fence each other), and an instance that replaces a
dead one gets the dead one's slot and so its id.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
import tempfile
from pathlib import Path

LOCK_DIR = Path(tempfile.gettempdir()) / "crm-instances"
MAX_SLOTS = 1024
_held: dict[str, int] = {}  # lock file → open descriptor, kept for the life of the process


def transactional_id(consumer_group: str) -> str:
    """This process's stable transactional id for ``consumer_group`` (a new slot per call)."""
    host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "host"
    return f"{consumer_group}-{host}-{_claim_slot(consumer_group)}"


def _claim_slot(consumer_group: str) -> int:
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", consumer_group)
    for slot in range(MAX_SLOTS):
        path = LOCK_DIR / f"{safe}.{slot}.lock"
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        _held[str(path)] = descriptor
        return slot
    raise RuntimeError(f"more than {MAX_SLOTS} instances of {consumer_group} on this host")

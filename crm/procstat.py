"""CPU time and peak memory of a process, from /proc (Linux), for benchmarks and `crm bench`."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds_by_pid(command: str | None = None) -> dict[int, float]:
    """CPU seconds so far of every readable process, by pid; with ``command``, only of the processes of that
    name (``/proc/<pid>/comm``, e.g. "postgres"). A process that exits during the scan is left out."""
    used = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if command is None or Path(entry.path, "comm").read_text().strip() == command:
                    used[int(entry.name)] = cpu_seconds(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return used


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB; 0 once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0

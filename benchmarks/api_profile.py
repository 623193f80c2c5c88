"""Where the time goes during an API benchmark: CPU per process group from /proc, the API processes' peak
memory, and a summary of py-spy's raw stacks (share of the workers' samples per layer, hottest functions)."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from crm.procstat import cpu_seconds_by_pid
from crm.procstat import peak_rss_mb as process_peak_rss_mb

# Layers of the API worker's stack, for "where the time goes": a sample counts for the innermost frame that
# belongs to one of them (matched on "function (path:line)"). Frames of the event loop, threads, anyio and
# h11 count for whoever called them (uvicorn's server side, a client's side, a thread hand-off), and
# only when nothing else matches for the event loop.
LAYERS = {
    "HTTP server (uvicorn with h11)": ("uvicorn/",),
    "Starlette/FastAPI routing, dependencies, middleware": ("starlette/", "fastapi/", "api/middleware.py"),
    "pydantic (validation and response models)": ("pydantic/", "pydantic_core"),
    "JWT decode": ("jwt/",),
    "PostgreSQL client (psycopg, pool)": ("psycopg/", "psycopg_pool/"),
    "Redis client": ("redis/",),
    "Elasticsearch client (aiohttp)": ("aiohttp/", "yarl/", "multidict/", "api/search_client.py"),
    "Kafka produce and delivery wait": ("api/publishing.py", "confluent_kafka"),
    "queue entries: compliance and JSON (processors/queues/read.py)": ("processors/queues/", "domain/"),
    "the API's own code (routes, queries, services)": ("api/", "contracts/"),
    "logging": ("logging/", "crm/logging.py"),
    "metrics (prometheus_client)": ("prometheus_client/", "api/metrics.py"),
    "thread pool hand-off": ("to_thread", "run_sync_in_worker_thread", "starlette/concurrency.py"),
}
GENERIC = "event loop, threads (asyncio, selectors, threading)"


def layer_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for layer, markers in LAYERS.items():
            if any(marker in frame for marker in markers):
                return layer
    return GENERIC


def api_processes(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's supervisor and its workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        queue.extend(int(child) for child in children)
    return found


def peak_rss_mb(pids: list[int]) -> dict[str, float]:
    return {str(pid): round(process_peak_rss_mb(pid), 1) for pid in pids}


def _group(pid: int, api: set[int]) -> str:
    if pid in api:
        return "api"
    if pid == os.getpid():
        return "benchmark"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "other"
    for name, marker in (
        ("wrk", b"wrk "),
        ("postgres", b"postgres"),
        ("redis", b"redis-server"),
        ("elasticsearch", b"elasticsearch"),
        ("kafka", b"kafka"),
        ("py-spy", b"py-spy"),
    ):
        if marker in command:
            return name
    return "other"


def settle(quiet_cores: float = 0.25, window_s: float = 1.0, limit_s: float = 60.0) -> float:
    """Wait until the machine is quiet (all processes together under ``quiet_cores`` over ``window_s``),
    at most ``limit_s``; returns the seconds waited. Services finish work of the previous scenario after
    it (Elasticsearch kept half a core busy for a while after the search scenario), which would otherwise
    be charged to the next one."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = cpu_seconds_by_pid()
        time.sleep(window_s)
        after = cpu_seconds_by_pid()
        busy = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items()) / window_s
        if busy < quiet_cores:
            break
    return time.monotonic() - started


class ProcessGroups:
    """Cores used per process group between ``start`` and ``stop`` (CPU seconds / wall seconds)."""

    def __init__(self, api_pids: list[int]) -> None:
        self.api = set(api_pids)

    def start(self) -> None:
        self.started, self.before = time.monotonic(), cpu_seconds_by_pid()

    def stop(self) -> dict[str, float]:
        after, elapsed = cpu_seconds_by_pid(), time.monotonic() - self.started
        cores: Counter[str] = Counter()
        for pid, seconds in after.items():
            cores[_group(pid, self.api)] += (seconds - self.before.get(pid, 0.0)) / elapsed
        return {group: round(used, 3) for group, used in cores.most_common()}


def _frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rstrip().rpartition(" ")
    return stack.split(";"), int(count)


def summarize_profile(raw: Path, top: int = 15) -> dict:
    """py-spy's raw (collapsed) stacks of the API workers: each layer's share of the samples (by the
    innermost frame of a layer, see ``LAYERS``), and the functions with the most samples of their own."""
    layers: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    if not raw.is_file():
        return {"samples": 0, "lines": ["py-spy wrote no profile (is ptrace allowed?)"]}
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        frames, count = _frames(line)
        total += count
        layers[layer_of(frames)] += count
        leaf = frames[-1]
        name, _, where = leaf.partition(" (")
        leaves[f"{name} ({where.rsplit(':', 1)[0]})"] += count
    lines = [f"py-spy: {total:,} samples of the API workers (not idle)"]
    lines += [f"  {share * 100 / max(1, total):5.1f}%  {layer}" for layer, share in layers.most_common()]
    lines.append("  hottest functions (own samples):")
    lines += [f"  {share * 100 / max(1, total):5.1f}%  {leaf}" for leaf, share in leaves.most_common(top)]
    return {
        "samples": total,
        "layers": {layer: round(share / max(1, total), 4) for layer, share in layers.most_common()},
        "leaves": {leaf: round(share / max(1, total), 4) for leaf, share in leaves.most_common(top)},
        "lines": lines,
    }

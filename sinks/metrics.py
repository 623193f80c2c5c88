"""Prometheus metrics of the sinks: how big each written batch was and how long its write took.

A sink writes once per checkpoint (one batch, `sinks/batching.py`), so these are observed a
few times a second at most and cost nothing per message. ``target`` names what the sink writes (its tables,
``queues``, the search index), never a namespace, so series stay few and comparable across deployments.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

BATCH_SIZE = Histogram(
    "crm_sink_batch_size",
    "Messages in each batch a sink wrote (one batch per checkpoint).",
    ["sink", "target"],
    buckets=(1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000),
)
WRITE_SECONDS = Histogram(
    "crm_sink_write_seconds",
    "Time a sink took to write one batch that succeeded.",
    ["sink", "target"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
WRITE_RETRIES = Counter(
    "crm_sink_write_retries_total",
    "Batch writes that failed because the target was unavailable and will be retried (backpressure).",
    ["sink", "target"],
)


@contextmanager
def measured_write(sink: str, target: str, messages: int) -> Iterator[None]:
    """Time the write of a batch of ``messages``; only a write that returns is observed."""
    started = time.perf_counter()
    yield
    WRITE_SECONDS.labels(sink, target).observe(time.perf_counter() - started)
    BATCH_SIZE.labels(sink, target).observe(messages)


def count_retry(sink: str, target: str) -> None:
    WRITE_RETRIES.labels(sink, target).inc()

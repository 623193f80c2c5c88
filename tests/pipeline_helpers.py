"""Running the processors as `crm run NAME` subprocesses and waiting for them, for tests that drive the
whole pipeline through real services (the fault tests, the collections pipeline)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from crm.settings import Settings
from infra.kafka_topics import existing_topics
from processors.common.app import consumer_group
from processors.registry import INPUTS
from topics import physical_name
from topics.lag import wait_pipeline_idle

# Every processor, upstream first.
PIPELINE = ("entities", "delinquency", "rollup", "promises", "strategy", "allocation", "queues", "search")


def group_inputs(settings: Settings, names: Iterable[str]) -> dict[str, list[str]]:
    """Each processor's consumer group → the topics it reads, its own repartition topics included."""
    internal = [t for t in existing_topics(settings) if t.startswith("repartition__")]
    inputs = {}
    for name in names:
        group = consumer_group(settings, name)
        own = [t for t in internal if t.startswith(f"repartition__{group}--")]
        inputs[group] = [physical_name(t, settings) for t in INPUTS[name]] + own
    return inputs


def wait_idle(settings: Settings, names: Iterable[str] = PIPELINE, timeout: float = 300) -> None:
    """Wait until every named processor has consumed everything, including what the others produced."""
    wait_pipeline_idle(settings.kafka_brokers, group_inputs(settings, names), timeout=timeout)


def open_transactions(settings: Settings) -> list[tuple[str, int]]:
    """The namespace's topic partitions with a transaction open: last stable offset short of the end.

    A processor killed mid-transaction leaves its transaction open until the broker's transaction timeout
    (librdkafka's default, 60 s) aborts it; until then no `read_committed` reader (every processor, and
    the lag probes of `topics.lag`, whose end offsets are then the last stable offsets) sees past it.
    """
    from confluent_kafka import Consumer, TopicPartition

    def consumer(isolation: str) -> Consumer:
        group = f"probe-{uuid.uuid4().hex}"
        return Consumer(
            {"bootstrap.servers": settings.kafka_brokers, "group.id": group, "isolation.level": isolation}
        )

    committed, everything = consumer("read_committed"), consumer("read_uncommitted")
    try:
        found = []
        prefixes = (
            settings.namespace,
            f"changelog__{settings.namespace}",
            f"repartition__{settings.namespace}",
        )
        for topic in (t for t in existing_topics(settings) if t.startswith(prefixes)):
            for p in everything.list_topics(topic, timeout=10).topics[topic].partitions:
                tp = TopicPartition(topic, p)
                stable = committed.get_watermark_offsets(tp, timeout=10)[1]
                if stable < everything.get_watermark_offsets(tp, timeout=10)[1]:
                    found.append((topic, p))
        return found
    finally:
        committed.close()
        everything.close()


def wait_transactions_closed(settings: Settings, timeout: float = 120) -> None:
    """Wait until, twice in a row, no transaction is open on the namespace's topics (see above)."""
    deadline, in_a_row = time.monotonic() + timeout, 0
    while in_a_row < 2:
        left = open_transactions(settings)
        in_a_row = 0 if left else in_a_row + 1
        if left and time.monotonic() > deadline:
            raise TimeoutError(f"transactions still open after {timeout} s on {left[:5]}")
        time.sleep(0.5)


def start_processor(name: str, env: Mapping[str, str], log: Path | None = None) -> subprocess.Popen:
    """`crm run NAME` in a process of its own; its output goes to ``log`` (appended) when given."""
    out = log.open("ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "crm", "run", name], env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    finally:
        if log:
            out.close()  # the child has its own copy


def stop_processor(process: subprocess.Popen, timeout: float = 60) -> int:
    """SIGTERM (a clean stop: final checkpoint), SIGKILL if it does not stop in time; the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode

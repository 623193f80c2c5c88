"""One processor under measurement, for the per-processor benchmarks: `crm run NAME` as its own process, the
phases of a benchmark timed with its CPU seconds and PostgreSQL's, and the generated portfolio's upstream
(the bank's files ingested, the delinquency processor run to the end) for processors that read its output.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

import orjson
from confluent_kafka import Consumer, KafkaError, TopicPartition

from crm.demo.readiness import pipeline_inputs
from crm.generator import Manifest, generate_portfolio
from crm.ingest import ingest_file
from crm.procstat import cpu_seconds, cpu_seconds_by_pid, peak_rss_mb
from crm.settings import Settings
from infra.sandbox import throwaway_namespace
from processors.common.app import consumer_group
from processors.common.partitioning import broadcast_keys
from processors.delinquency.app import TICK_KEY_PREFIX
from processors.registry import INPUTS
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

BANK_FEED = ("bank.loans", "payments", "ops.business-date")
_PACING = random.Random(5)


@contextmanager
def sandbox() -> Iterator[tuple[Settings, dict[str, str], Path]]:
    """A throw-away namespace and schema (settings, and the environment of processes that use them) and a
    temporary folder, both removed afterwards."""
    namespace = throwaway_namespace(Settings(), f"bench{uuid.uuid4().hex[:6]}", os.environ)
    with namespace as (settings, env), TemporaryDirectory() as tmp:
        yield settings, env, Path(tmp)


def postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds of the PostgreSQL processes (the sinks' backends among them) since ``before`` (their
    `cpu_seconds_by_pid` then): a backend started meanwhile counts whole, one that exited is left out."""
    now = cpu_seconds_by_pid("postgres")
    return sum(used - before.get(pid, 0.0) for pid, used in now.items())


@dataclass(frozen=True)
class Phase:
    """What one phase of a benchmark took: wall seconds, and the CPU seconds of the processor and of
    PostgreSQL meanwhile."""

    seconds: float
    cpu: float
    postgres_cpu: float

    def rate(self, count: int, what: str = "events") -> str:
        return f"{count / self.seconds:,.0f} {what}/s"

    def cpu_figures(self) -> str:
        return f"CPU: processor {self.cpu:,.1f} s, PostgreSQL {self.postgres_cpu:,.1f} s"


class ProcessorRun:
    """`crm run NAME` in a process of its own, stopped on leaving the ``with`` block; ``measure`` times a
    phase from its start until the processor has consumed every message of its inputs."""

    def __init__(self, settings: Settings, env: dict[str, str], name: str, log: Path) -> None:
        self.settings, self.env, self.name, self.log = settings, env, name, log
        self.group = consumer_group(settings, name)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", self.name],
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def __enter__(self) -> ProcessorRun:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def wait(self, timeout: float = 3600) -> None:
        """Until the processor has consumed its inputs, its own repartition topics (which exist once it has
        started) included; those are waited on after the topics that feed them, so that they have been
        written to when their ends are read."""
        registry = [physical_name(t, self.settings) for t in INPUTS[self.name]]
        wait_caught_up(self.settings.kafka_brokers, self.group, registry, timeout)
        inputs = pipeline_inputs(self.settings)[self.group]
        wait_caught_up(self.settings.kafka_brokers, self.group, inputs, timeout)

    def measure(self, work: Callable[[], object] = lambda: None, timeout: float = 3600) -> Phase:
        """Run ``work`` (start the processor, produce its next input), then wait until it is consumed."""
        pid_cpu = self._cpu()
        postgres, started = cpu_seconds_by_pid("postgres"), time.perf_counter()
        work()
        self.wait(timeout)
        elapsed = time.perf_counter() - started
        return Phase(elapsed, self._cpu() - pid_cpu, postgres_cpu_since(postgres))

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.process.pid) if self.process else 0.0

    def _cpu(self) -> float:
        return cpu_seconds(self.process.pid) if self.process and self.process.poll() is None else 0.0


def out_of_step() -> None:
    """Pause a random moment before a latency sample. One taken right after the previous one was seen
    starts just after a checkpoint and waits a whole commit interval at each hop: every sample would be
    the worst case, in step with the processors (and with a steady background load)."""
    time.sleep(_PACING.uniform(0, 0.3))


@contextmanager
def steady_load(settings: Settings, topic: str, records: Iterator[tuple[bytes, bytes]], rate: int):
    """Produce ``records`` (key, value) to ``topic`` at ``rate`` a second in a thread for as long as the
    ``with`` block runs (after 2 s to reach that rate): the other traffic latency samples are taken in."""
    stop = threading.Event()

    def produce_steadily() -> None:
        producer, name = make_producer(settings), physical_name(topic, settings)
        for n, (key, value) in enumerate(records):
            if stop.is_set():
                break
            producer.produce(name, value, key)
            if n % 20 == 0:
                producer.poll(0)
                time.sleep(20 / rate)
        producer.flush(30)

    load = threading.Thread(target=produce_steadily, name=f"load-{topic}")
    load.start()
    try:
        time.sleep(2)
        yield
    finally:
        stop.set()
        load.join()


def until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    """Poll ``condition`` every 2 ms until it holds (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.002)
    return True


def latency_figures(times: list[float], missed: int) -> str:
    """p50 and p99 of latency samples in seconds, and how many samples were missed (timed out)."""
    if len(times) < 2:
        return f"{len(times)} samples, {missed} missed: too few for percentiles"
    p99 = statistics.quantiles(times, n=100)[98]
    return (
        f"p50 {statistics.median(times) * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms "
        f"({len(times)} samples, {missed} missed)"
    )


def ingest(settings: Settings, folder: Path, topics: tuple[str, ...]) -> int:
    """Produce the generated files of ``topics`` from ``folder``; the number of messages produced."""
    produced = 0
    for topic in topics:
        report = ingest_file(settings, topic, folder / f"{topic}.jsonl")
        assert report.ok, f"{topic}: {report}"
        produced += report.produced
    return produced


def read_records(settings: Settings, topic: str, timeout: float = 600) -> list[tuple[bytes, bytes]]:
    """The committed records of a topic, (key, value) in each partition's order, read to its end (whose
    offset also counts transaction markers, so it is no count of records)."""
    name = physical_name(topic, settings)
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_brokers,
            "group.id": f"read-{uuid.uuid4().hex}",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        partitions = consumer.list_topics(name, timeout=10).topics[name].partitions
        consumer.assign([TopicPartition(name, p, 0) for p in partitions])
        unread, records = set(partitions), []
        deadline = time.monotonic() + timeout
        while unread and time.monotonic() < deadline:
            for message in consumer.consume(10_000, timeout=1):
                if message.error() is None:
                    records.append((message.key(), message.value()))
                elif message.error().code() == KafkaError._PARTITION_EOF:
                    unread.discard(message.partition())
        if unread:
            raise TimeoutError(f"{name}: partitions {sorted(unread)} not read to the end in {timeout} s")
        return records
    finally:
        consumer.close()


def produce(settings: Settings, topic: str, records: Iterable[tuple[str | bytes, dict | bytes]]) -> int:
    """Produce (key, value) records to ``topic`` (a dict value as JSON), waiting when the queue is full;
    the number produced."""
    producer = make_producer(settings)
    name, produced = physical_name(topic, settings), 0
    for key, value in records:
        payload = value if isinstance(value, bytes) else orjson.dumps(value)
        while True:
            try:
                producer.produce(name, payload, key.encode() if isinstance(key, str) else key)
                break
            except BufferError:
                producer.poll(0.1)
        produced += 1
    assert producer.flush(120) == 0, f"{topic}: messages left unsent"
    return produced


def tick_records(settings: Settings, day: date, bank: str = "MAIN") -> list[tuple[str, dict]]:
    """The delinquency processor's fan-out of a business date to ``delinquency.ticks``: one tick per
    partition, keyed to land there, for the processors that read the ticks without it."""
    keys = broadcast_keys(TICK_KEY_PREFIX, settings.topic_partitions)
    return [(key, {"date": day.isoformat(), "bank": bank, "partition_key": key}) for key in keys]


def downstream_parser(description: str, rate: int, rate_help: str) -> argparse.ArgumentParser:
    """The options of a benchmark of a processor downstream of the delinquency processor: the generated
    portfolio's size, dates and seed, and its latency samples with the load beside them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=30, help="business dates in the generated portfolio")
    parser.add_argument("--samples", type=int, default=20, help="latency samples")
    parser.add_argument("--rate", type=int, default=rate, help=rate_help)
    parser.add_argument("--seed", type=int, default=5)
    return parser


def through_delinquency(settings: Settings, env: dict[str, str], folder: Path, args) -> Manifest:
    """Generate the portfolio of ``args`` (customers, seed, days) into ``folder``, ingest the bank's loans,
    payments and dates, and run the delinquency processor until it has consumed them (not measured): its
    outputs (``delinquency.loans``, ``.payments``, ``.ticks``) are then the measured processor's input."""
    manifest = generate_portfolio(
        folder, args.customers, args.seed, workers=1, progress=False, days=args.days
    )
    events = ingest(settings, folder, BANK_FEED)
    upstream = run_delinquency(settings, env, folder)
    print(
        f"{args.customers:,} customers: {events:,} bank events through the delinquency processor in "
        f"{upstream.seconds:,.1f} s (not measured)"
    )
    return manifest


def run_delinquency(settings: Settings, env: dict[str, str], folder: Path) -> Phase:
    """The delinquency processor from start until it has consumed everything produced to its inputs."""
    with ProcessorRun(settings, env, "delinquency", folder / "delinquency.log") as upstream:
        return upstream.measure(upstream.start)

"""Validate a JSONL file against its topic's contract and produce the valid lines, keyed by natural key.

Valid lines are produced as the exact bytes that were read (no re-serialisation, so amounts keep their
digits); invalid ones are reported with their line number and never produced.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, time_ns
from typing import TYPE_CHECKING

from confluent_kafka import KafkaError, KafkaException
from pydantic import ValidationError

from crm.errors import CrmError
from topics import get_topic, physical_name
from topics.clients import make_producer
from topics.registry import TopicKind, UnknownTopicError

if TYPE_CHECKING:
    from confluent_kafka import Producer

    from crm.settings import Settings

# Lines per batch: the unit of validation work, of progress reports and of librdkafka polls.
_BATCH = 2048
# Below this size a worker pool costs more than it saves.
_PARALLEL_FROM_BYTES = 4 * 1024 * 1024
# As long as librdkafka keeps retrying an undelivered message (message.timeout.ms).
_FLUSH_TIMEOUT_S = 130.0


class IngestError(CrmError):
    """The file or the broker cannot be used at all (as opposed to single bad lines)."""


@dataclass
class IngestReport:
    topic: str
    path: Path
    read: int = 0
    produced: int = 0
    rejected: int = 0
    undelivered: int = 0
    first_delivery_error: str = ""
    seconds: float = 0.0
    rejections: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.undelivered


def resolve_ingestable(topic: str):
    """The topic's spec and contract, or an IngestError naming the topics that take input."""
    try:
        spec = get_topic(topic)
    except UnknownTopicError as error:
        raise IngestError(str(error)) from None
    contract = spec.contract()
    if spec.kind not in (TopicKind.INBOUND, TopicKind.CONFIG) or contract is None:
        raise IngestError(f"topic {topic!r} is produced by the processors, not ingested")
    return spec, contract


def _check_broker(producer: Producer, name: str, settings: Settings) -> None:
    try:
        metadata = producer.list_topics(name, timeout=10)
    except KafkaException as error:
        raise IngestError(f"cannot reach Kafka at {settings.kafka_brokers}: {error.args[0].str()}") from None
    topic = metadata.topics.get(name)
    if topic is None or topic.error is not None:
        raise IngestError(f"topic {name!r} does not exist on {settings.kafka_brokers}; run `crm init` first")


def validate_lines(topic: str, lines: list[bytes]) -> list[bytes | str]:
    """For each line, its message key (bytes) when valid, else the reason (str). Blank lines give b""."""
    from contracts.common import SENT_AT
    from contracts.errors import describe

    spec, contract = resolve_ingestable(topic)
    validate, key_field = contract.model_validate_json, spec.key_field
    # produced now: a moment a message names that cannot be after it was sent is checked against now
    sent = {SENT_AT: time_ns() // 1_000_000}
    results: list[bytes | str] = []
    for value in lines:
        if not value:
            results.append(b"")
            continue
        try:
            results.append(str(getattr(validate(value, context=sent), key_field)).encode())
        except ValidationError as error:
            results.append(describe(error))
    return results


def _batches(path: Path) -> Iterator[tuple[int, list[bytes], int]]:
    """(first line number, stripped lines, bytes read so far) in batches of _BATCH lines."""
    batch: list[bytes] = []
    first, bytes_read = 1, 0
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            bytes_read += len(raw)
            batch.append(raw.strip())
            if len(batch) == _BATCH:
                yield first, batch, bytes_read
                batch, first = [], line_no + 1
    if batch:
        yield first, batch, bytes_read


def _validated(topic: str, path: Path, workers: int) -> Iterator[tuple[int, list[bytes], list, int]]:
    """Batches with their validation results, in file order; large files are validated in parallel."""
    if workers <= 1 or path.stat().st_size < _PARALLEL_FROM_BYTES:
        for first, lines, bytes_read in _batches(path):
            yield first, lines, validate_lines(topic, lines), bytes_read
        return
    # Validation is the CPU-bound part (pydantic builds every Decimal); the producer stays here.
    # forkserver, not fork: the producer's librdkafka threads must not be copied into the workers.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque = deque()
        for first, lines, bytes_read in _batches(path):
            pending.append((first, lines, pool.submit(validate_lines, topic, lines), bytes_read))
            if len(pending) >= 2 * workers:  # a bounded window keeps memory flat on any file size
                first, lines, future, done = pending.popleft()
                yield first, lines, future.result(), done
        while pending:
            first, lines, future, done = pending.popleft()
            yield first, lines, future.result(), done


def ingest_file(
    settings: Settings,
    topic: str,
    path: Path,
    *,
    on_reject: Callable[[int, str], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    validate_only: bool = False,
    workers: int | None = None,
) -> IngestReport:
    """Validate every line of ``path`` and produce the valid ones to ``topic``.

    ``on_reject(line_no, reason)`` is called for each invalid line; ``on_progress(bytes_read)`` after
    each batch. ``workers`` validation processes for large files (default: one per core).
    """
    resolve_ingestable(topic)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    report = IngestReport(topic=topic, path=path)
    name = physical_name(topic, settings)

    def on_delivery(error: KafkaError | None, _message) -> None:
        if error is not None:
            report.undelivered += 1
            report.first_delivery_error = report.first_delivery_error or error.str()

    producer = None
    if not validate_only:
        # Only failed deliveries call back into Python: successes cost nothing per message.
        producer = make_producer(settings, on_delivery=on_delivery, **{"delivery.report.only.error": True})
        _check_broker(producer, name, settings)

    started = perf_counter()
    for first, lines, results, bytes_read in _validated(topic, path, workers or os.cpu_count() or 1):
        for offset, (value, result) in enumerate(zip(lines, results, strict=True)):
            if result == b"":
                continue  # a blank line carries nothing (e.g. a trailing newline)
            report.read += 1
            if isinstance(result, str):
                report.rejected += 1
                report.rejections.append((first + offset, result))
                if on_reject:
                    on_reject(first + offset, result)
                continue
            if producer is not None:
                _produce(producer, name, result, value)
            report.produced += 1
        if producer is not None:
            producer.poll(0)
        if on_progress:
            on_progress(bytes_read)
    if producer is not None:
        remaining = producer.flush(timeout=_FLUSH_TIMEOUT_S)
        if remaining:
            report.undelivered += remaining
            report.first_delivery_error = report.first_delivery_error or "timed out waiting for the broker"
        report.produced -= report.undelivered
    report.seconds = perf_counter() - started
    return report


def _produce(producer: Producer, name: str, key: bytes, value: bytes) -> None:
    while True:
        try:
            producer.produce(name, value, key)
            return
        except BufferError:
            producer.poll(0.05)  # the local queue is full: let librdkafka deliver, then retry

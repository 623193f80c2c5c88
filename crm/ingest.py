"""Validate a JSONL file against its topic's contract and produce the valid lines, keyed by natural key.

Valid lines are produced as the exact bytes that were read (no re-serialisation, so amounts keep their
digits); invalid ones are reported with their line number and never produced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
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

# Ask librdkafka for room and report progress every this many lines: cheap enough, smooth enough.
_POLL_EVERY = 4096
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


def ingest_file(
    settings: Settings,
    topic: str,
    path: Path,
    *,
    on_reject: Callable[[int, str], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    validate_only: bool = False,
) -> IngestReport:
    """Validate every line of ``path`` and produce the valid ones to ``topic``.

    ``on_reject(line_no, reason)`` is called for each invalid line; ``on_progress(bytes_read)`` now and then.
    """
    from contracts.errors import describe  # contracts is only needed once there is work to do

    spec, contract = resolve_ingestable(topic)
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

    validate = contract.model_validate_json
    key_field = spec.key_field
    started = perf_counter()
    bytes_read = 0
    with path.open("rb") as lines:
        for line_no, raw in enumerate(lines, start=1):
            bytes_read += len(raw)
            value = raw.strip()
            if not value:
                continue  # a blank line carries nothing (e.g. a trailing newline)
            report.read += 1
            try:
                record = validate(value)
            except ValidationError as error:
                report.rejected += 1
                reason = describe(error)
                report.rejections.append((line_no, reason))
                if on_reject:
                    on_reject(line_no, reason)
                continue
            if producer is not None:
                key = str(getattr(record, key_field)).encode()
                _produce(producer, name, key, value)
                if report.read % _POLL_EVERY == 0:
                    producer.poll(0)
            report.produced += 1
            if on_progress and report.read % _POLL_EVERY == 0:
                on_progress(bytes_read)
    if producer is not None:
        remaining = producer.flush(timeout=_FLUSH_TIMEOUT_S)
        if remaining:
            report.undelivered += remaining
            report.first_delivery_error = report.first_delivery_error or "timed out waiting for the broker"
        report.produced -= report.undelivered
    if on_progress:
        on_progress(bytes_read)
    report.seconds = perf_counter() - started
    return report


def _produce(producer: Producer, name: str, key: bytes, value: bytes) -> None:
    while True:
        try:
            producer.produce(name, value, key)
            return
        except BufferError:
            producer.poll(0.05)  # the local queue is full: let librdkafka deliver, then retry

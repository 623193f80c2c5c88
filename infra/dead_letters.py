"""Dead letters read back from the broker: every record of a ``<topic>.dlq``, summaries, selections.

A dead-letter topic holds what a processor could not take (`contracts.dlq.DeadLetter`): the original bytes,
the error and where the message was. They wait for an operator, so they are kept forever. A command reads a
whole topic (committed records only: processors write them in transactions) and pages or filters it in
memory; the admin API keeps an index of each topic instead and reads only what is new
(`infra.dead_letter_index`).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import Consumer, TopicPartition
from pydantic import ValidationError

from contracts.dlq import DeadLetter
from crm.errors import CrmError
from crm.settings import Settings
from topics import physical_name
from topics.registry import ALL_TOPICS, TopicKind

READ_TIMEOUT_S = 30.0
TOP_REASONS = 5


class UnknownDeadLetterTopic(CrmError):
    """Not the name of a dead-letter topic of the registry."""


class BadSelection(CrmError):
    """A redrive or show selection that cannot be read (unknown field, malformed offset)."""


def dlq_topics() -> list[str]:
    """Every dead-letter topic's logical name, in the registry's order."""
    return [spec.name for spec in ALL_TOPICS if spec.kind is TopicKind.DLQ]


def source_topic_of(dlq_topic: str) -> str:
    """The topic a dead-letter topic is the twin of: ``payments`` for ``payments.dlq``."""
    return dlq_topic.removesuffix(".dlq")


def check_dlq_topic(name: str) -> str:
    """``name`` if it is a dead-letter topic; a bare source topic (``payments``) names its twin."""
    known = dlq_topics()
    if name in known:
        return name
    if f"{name}.dlq" in known:
        return f"{name}.dlq"
    raise UnknownDeadLetterTopic(
        f"unknown dead-letter topic {name!r}; dead-letter topics: {', '.join(known)}"
    )


# The reason given a record that is no readable DeadLetter: shown, never re-driven (nothing to re-drive).
UNREADABLE = "unreadable dead letter:"


def redrivable(reason: str) -> bool:
    """Whether the letters of ``reason`` (`StoredLetter.reason`) can be re-driven: all but the unreadable."""
    return not reason.startswith(UNREADABLE)


# The error type a letter has when its message failed its topic's contract (processors.common.dead_letters)
CONTRACT_FAILURE = "ValidationError"


@dataclass(frozen=True)
class StoredLetter:
    """One record of a dead-letter topic and where it sits there."""

    dlq_topic: str  # logical name
    partition: int
    offset: int
    timestamp: datetime  # when the broker took it
    raw: bytes
    letter: (
        DeadLetter | None
    )  # None when the record is not a readable DeadLetter (then it is shown, not re-driven)
    unreadable: str | None = None

    @property
    def reason(self) -> str:
        return self.letter.error if self.letter else f"{UNREADABLE} {self.unreadable}"

    @property
    def failed_contract(self) -> bool:
        """Its message failed the source topic's contract: the same bytes are refused again unless the
        contract changed since (what a re-drive and the page warn of)."""
        return self.letter is not None and self.letter.error_type == CONTRACT_FAILURE

    @property
    def source(self) -> tuple[str, int, int] | None:
        """The bad message's own place: (source topic, partition, offset)."""
        return (self.letter.source_topic, self.letter.partition, self.letter.offset) if self.letter else None


def _parse(dlq_topic: str, partition: int, offset: int, timestamp_ms: int, raw: bytes) -> StoredLetter:
    when = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    try:
        letter = DeadLetter.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "value"
        return StoredLetter(dlq_topic, partition, offset, when, raw, None, f"{where}: {first.get('msg')}")
    return StoredLetter(dlq_topic, partition, offset, when, raw, letter)


def read_letters(settings: Settings, dlq_topic: str, timeout: float = READ_TIMEOUT_S) -> list[StoredLetter]:
    """Every committed record of ``dlq_topic``, oldest first (by broker time, then partition and offset)."""
    physical = physical_name(dlq_topic, settings)
    with letter_reader(settings) as consumer:
        bounds = partition_bounds(consumer, physical)
        starts = [TopicPartition(physical, p, low) for p, (low, high) in bounds.items() if high > low]
        ends = {p: high for p, (_low, high) in bounds.items()}
        letters = read_from(consumer, dlq_topic, starts, ends, timeout)
    return sorted(letters, key=lambda s: (s.timestamp, s.partition, s.offset))


@contextmanager
def letter_reader(settings: Settings) -> Iterator[Consumer]:
    """A consumer that reads committed records at positions it is given (no group offsets, no commits)."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_brokers,
            "group.id": f"dlq-reader-{uuid.uuid4().hex}",  # never commits: assign() and read only
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    try:
        yield consumer
    finally:
        consumer.close()


def partition_bounds(consumer: Consumer, physical: str) -> dict[int, tuple[int, int]]:
    """Per partition of the topic named ``physical`` on the broker: (first offset, end offset)."""
    metadata = consumer.list_topics(physical, timeout=10).topics.get(physical)
    if metadata is None or metadata.error is not None:
        raise UnknownDeadLetterTopic(f"topic {physical} does not exist: run `crm init`")
    return {
        partition: consumer.get_watermark_offsets(TopicPartition(physical, partition), timeout=10)
        for partition in metadata.partitions
    }


def read_from(
    consumer: Consumer,
    dlq_topic: str,
    starts: list[TopicPartition],
    ends: dict[int, int],
    timeout: float,
    only: set[tuple[int, int]] | None = None,
) -> list[StoredLetter]:
    """Read from ``starts`` until every partition's position reaches its end (markers count as offsets);
    ``only``: the (partition, offset) places to keep, when not every record read is wanted."""
    if not starts:
        return []
    consumer.assign(starts)
    letters: list[StoredLetter] = []
    deadline = time.monotonic() + timeout
    while True:
        for message in consumer.consume(num_messages=5_000, timeout=0.2):
            if message.error() is None and (only is None or (message.partition(), message.offset()) in only):
                _kind, timestamp_ms = message.timestamp()
                letters.append(
                    _parse(
                        dlq_topic, message.partition(), message.offset(), timestamp_ms, message.value() or b""
                    )
                )
        positions = consumer.position([TopicPartition(tp.topic, tp.partition) for tp in starts])
        if all(tp.offset >= ends[tp.partition] for tp in positions):
            return letters
        if time.monotonic() > deadline:
            raise CrmError(f"reading {dlq_topic} did not finish within {timeout:.0f} s (is Kafka up?)")


@dataclass(frozen=True)
class TopicSummary:
    dlq_topic: str
    count: int
    oldest: datetime | None
    newest: datetime | None
    reasons: list[tuple[str, int]]  # most frequent first
    # the topic's reasons whose letters failed the source topic's contract (`StoredLetter.failed_contract`):
    # re-driven as they are, they are refused again; operators are told before they try
    contract_failures: frozenset[str] = frozenset()


def summarize(dlq_topic: str, letters: list[StoredLetter], top: int | None = TOP_REASONS) -> TopicSummary:
    """Counts per reason (the error with digits kept: reasons are short and operators grep them)."""
    reasons = Counter(letter.reason for letter in letters)
    return TopicSummary(
        dlq_topic,
        len(letters),
        min((s.timestamp for s in letters), default=None),
        max((s.timestamp for s in letters), default=None),
        reasons.most_common(top),
        frozenset(letter.reason for letter in letters if letter.failed_contract),
    )


def find(letters: list[StoredLetter], offset: int, partition: int | None = None) -> StoredLetter:
    """The record at ``offset`` (of ``partition``, or of the only partition that has that offset)."""
    found = [s for s in letters if s.offset == offset and partition in (None, s.partition)]
    if not found:
        where = f"partition {partition} offset {offset}" if partition is not None else f"offset {offset}"
        raise BadSelection(f"no dead letter at {where}")
    if len(found) > 1:
        partitions = ", ".join(str(s.partition) for s in found)
        raise BadSelection(f"offset {offset} is in partitions {partitions}: name one (PARTITION:OFFSET)")
    return found[0]


def parse_position(text: str) -> tuple[int | None, int]:
    """``"12"`` (any partition) or ``"1:12"`` (partition 1) → (partition or None, offset)."""
    partition, _, offset = text.strip().rpartition(":")
    try:
        return (int(partition) if partition else None, int(offset))
    except ValueError:
        raise BadSelection(f"{text!r} is not an offset (OFFSET or PARTITION:OFFSET)") from None


# What `--where` may test, by name: the dead letter's field (``reason`` is the error message).
_FIELDS = {
    "reason": lambda s: s.reason,
    "error": lambda s: s.reason,
    "error_type": lambda s: s.letter.error_type if s.letter else "",
    "processor": lambda s: s.letter.processor if s.letter else "",
    "key": lambda s: (s.letter.key or "") if s.letter else "",
    "value": lambda s: s.letter.value if s.letter else s.raw.decode("utf-8", "replace"),
}


def where(condition: str):
    """A test of a dead letter: ``FIELD~TEXT`` (contains, ignoring case) or ``FIELD=TEXT`` (equals)."""
    for operator in ("~", "="):
        field, found, text = condition.partition(operator)
        if found and field.strip() in _FIELDS:
            read = _FIELDS[field.strip()]
            if operator == "~":
                return lambda s: text.casefold() in read(s).casefold()
            return lambda s: read(s) == text
    fields = ", ".join(_FIELDS)
    raise BadSelection(
        f"cannot read --where {condition!r}: use FIELD~TEXT or FIELD=TEXT with FIELD one of {fields}"
    )

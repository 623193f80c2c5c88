"""A message a processor's code fails on neither stops the processor nor vanishes.

Without this, the framework's default is to raise: the processor exits, restarts at the same message and
fails again, and the whole pipeline behind it stops (a "poison pill"). Each processor already dead-letters
the bad values it expects (a contract's refusal, a domain error); this is the net under that, for values
that reach code which cannot take them:

- a message its topic's deserializers cannot read (a key that is not UTF-8, which any producer can send;
  a value that is not JSON, on a topic written by processors: inbound topics are read as bytes) goes to
  the ``.dlq`` twin of an inbound or configuration topic with the reason, once, by the processor that
  writes that twin (`processors.registry.DEAD_LETTERS_OF`; the other readers skip it), and is skipped
  (logged, counted as ``crm_processor_skipped_total``) on a topic written by processors; either way it is
  committed past;
- a data error raised while processing a message (KeyError, TypeError, ValueError... from a value of an
  unexpected shape) sends an inbound or configuration message to its ``.dlq`` twin with the error, where
  an operator can re-drive it once the cause is fixed; a message of a topic written by processors (which
  has no twin) is skipped, logged and counted. Both raise the alerts of docs/operations/metrics.md.

Anything else (Kafka, a sink's store, a bug outside the data path) is still raised: retrying may fix it.
A failing message's outputs produced before the error stay in the checkpoint's transaction; the values
this net meets fail before producing anything (they fail on reading a field).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from quixstreams.error_callbacks import default_on_consumer_error, default_on_processing_error
from quixstreams.models.serializers import Deserializer
from quixstreams.models.serializers.exceptions import SerializationError

from processors.common.dead_letters import dead_letter_at
from processors.common.metrics import logical_topic, record_skipped
from processors.registry import DEAD_LETTERS_OF, PROCESSORS
from topics.registry import TopicKind, UnknownTopicError, get_topic

log = logging.getLogger(__name__)
DATA_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError)
WITH_TWIN = (TopicKind.INBOUND, TopicKind.CONFIG)


def dead_letter_twin(topic: str) -> str | None:
    """The ``.dlq`` twin of a logical topic name, or None for a topic written by processors."""
    try:
        spec = get_topic(topic)
    except UnknownTopicError:  # the framework's repartition topics
        return None
    return spec.dlq if spec.kind in WITH_TWIN else None


class Utf8Keys(Deserializer):
    """Message keys as text. The framework's own string deserializer lets a key that is not UTF-8 escape as
    a UnicodeDecodeError, which stops the processor at that message on every start; this one raises the
    framework's SerializationError, which the net below takes."""

    def __call__(self, value: bytes, ctx) -> str:
        try:
            return value.decode()
        except UnicodeDecodeError as error:
            raise SerializationError(f"the key is not UTF-8 text: {error}") from None


class PoisonNet:
    """The two framework callbacks of one processor; ``producer`` is set once the application has one."""

    def __init__(self, processor: str, namespace: str) -> None:
        self.processor, self.namespace = processor, namespace
        self.producer: Any = None
        self.unreadable: tuple[str, int, int] | None = None  # (topic, partition, offset) to commit past

    def on_consumer_error(self, error: Exception, message, logger: logging.Logger) -> bool:
        if message is None or not isinstance(error, SerializationError):
            default_on_consumer_error(error, message, logger)
            return False
        self.unreadable = (message.topic(), message.partition(), message.offset())
        topic = logical_topic(message.topic(), self.namespace)
        place = (topic, message.partition(), message.offset())
        if dead_letter_twin(topic) is None or self._letters_elsewhere(topic):
            self._skipped(*place, error, message.value() or b"")
        else:
            self._dead_letter(place, message.key(), message.value() or b"", error)
        return True

    def _letters_elsewhere(self, topic: str) -> bool:
        """Whether another processor of `crm run` writes ``topic``'s twin (and meets the same message)."""
        owner = DEAD_LETTERS_OF.get(topic)
        return self.processor in PROCESSORS and owner is not None and owner != self.processor

    def on_processing_error(self, error: Exception, row, logger: logging.Logger) -> bool:
        if row is None or not isinstance(error, DATA_ERRORS):
            return default_on_processing_error(error, row, logger)
        topic = logical_topic(row.topic, self.namespace)
        value = row.value if isinstance(row.value, bytes) else orjson.dumps(row.value)
        if dead_letter_twin(topic) is None:
            self._skipped(topic, row.partition, row.offset, error, value)
        else:
            key = row.key.encode() if isinstance(row.key, str) else row.key
            self._dead_letter((topic, row.partition, row.offset), key, value, error)
        return True

    def _dead_letter(self, place: tuple[str, int, int], key: bytes | None, value: bytes, error: Exception):
        topic, partition, offset = place
        reason, kind = f"{type(error).__name__}: {error}", type(error).__name__
        letter = dead_letter_at(topic, partition, offset, key, value, reason, kind, self.processor)
        twin = dead_letter_twin(topic)
        self.producer.produce(topic=f"{self.namespace}{twin}", key=key, value=orjson.dumps(letter))
        where = {"topic": topic, "partition": partition, "offset": offset, "error": reason[:300]}
        log.error("a message the processor cannot take was dead-lettered", extra=where)

    def _skipped(self, topic: str, partition: int, offset: int, error: Exception, value: bytes) -> None:
        where = {"topic": topic, "partition": partition, "offset": offset}
        reason = f"{type(error).__name__}: {error}"[:300]
        detail = {"error": reason, "value": value[:200].decode("utf-8", "replace")}
        log.error("skipped a value the processor cannot take", extra={**where, **detail})
        record_skipped(self.processor, topic, type(error).__name__)

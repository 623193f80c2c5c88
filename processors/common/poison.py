"""A message a processor's code fails on neither stops the processor nor vanishes.

Without this, the framework's default is to raise: the processor exits, restarts at the same message and
fails again, and the whole pipeline behind it stops (a "poison pill"). Each processor already dead-letters
the bad values it expects (a contract's refusal, a domain error); this is the net under that, for values
that reach code which cannot take them:

- a value its topic's deserializer cannot read (not JSON, on a topic written by processors; inbound topics
  are read as bytes) is skipped: logged, counted (``crm_processor_skipped_total``), committed past;
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
from quixstreams.models.serializers.exceptions import SerializationError

from processors.common.dead_letters import dead_letter_at
from processors.common.metrics import logical_topic, record_skipped
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
        self._skipped(topic, message.partition(), message.offset(), error, message.value() or b"")
        return True

    def on_processing_error(self, error: Exception, row, logger: logging.Logger) -> bool:
        if row is None or not isinstance(error, DATA_ERRORS):
            return default_on_processing_error(error, row, logger)
        topic = logical_topic(row.topic, self.namespace)
        value = row.value if isinstance(row.value, bytes) else orjson.dumps(row.value)
        twin = dead_letter_twin(topic)
        if twin is None:
            self._skipped(topic, row.partition, row.offset, error, value)
            return True
        reason, kind = f"{type(error).__name__}: {error}", type(error).__name__
        place = (topic, row.partition, row.offset)
        letter = dead_letter_at(*place, row.key, value, reason, kind, self.processor)
        key = row.key.encode() if isinstance(row.key, str) else row.key
        self.producer.produce(topic=f"{self.namespace}{twin}", key=key, value=orjson.dumps(letter))
        where = {"topic": topic, "partition": row.partition, "offset": row.offset, "error": reason[:300]}
        log.error("a value the processor failed on was dead-lettered", extra=where)
        return True

    def _skipped(self, topic: str, partition: int, offset: int, error: Exception, value: bytes) -> None:
        where = {"topic": topic, "partition": partition, "offset": offset}
        reason = f"{type(error).__name__}: {error}"[:300]
        detail = {"error": reason, "value": value[:200].decode("utf-8", "replace")}
        log.error("skipped a value the processor cannot take", extra={**where, **detail})
        record_skipped(self.processor, topic, type(error).__name__)

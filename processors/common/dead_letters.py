"""Dead letters for the message being processed: the original bytes and where they came from."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError
from quixstreams import message_context

from contracts import dead_letter_record
from contracts.errors import describe
from processors.common.metrics import record_dead_letter


def dead_letter_for_current(
    topic: str, key: Any, value: Any, error: str, error_type: str, processor: str
) -> dict:
    """A dead-letter record for the current message of ``topic`` (logical name), ready for ``<topic>.dlq``."""
    context = message_context()
    return dead_letter_at(topic, context.partition, context.offset, key, value, error, error_type, processor)


def dead_letter_at(
    topic: str, partition: int, offset: int, key: Any, value: Any, error: str, error_type: str, processor: str
) -> dict:
    """`dead_letter_for_current` for a message named by its place, outside its processing context."""
    record_dead_letter(processor, topic, error_type)
    return dead_letter_record(
        source_topic=topic,
        partition=partition,
        offset=offset,
        key=key.encode() if isinstance(key, str) else key,
        value=value if isinstance(value, bytes) else orjson.dumps(value),
        error=error,
        error_type=error_type,
        processor=processor,
    )


def dead_letter_output(
    topic: str, key: Any, value: Any, error: str, error_type: str, processor: str
) -> tuple[str, str, dict]:
    """A processor output ``(topic, key, record)`` that sends the current message to ``<topic>.dlq``."""
    record = dead_letter_for_current(topic, key, value, error, error_type, processor)
    return f"{topic}.dlq", key or "", record


def dead_letter_for_error(
    topic: str, key: Any, value: Any, error: Exception, processor: str
) -> tuple[str, str, dict]:
    """`dead_letter_output` for what the processor raised: a contract's ValidationError (described field by
    field) or a DomainError (its message), named by its type."""
    if isinstance(error, ValidationError):
        return dead_letter_output(topic, key, value, describe(error), "ValidationError", processor)
    return dead_letter_output(topic, key, value, str(error), type(error).__name__, processor)

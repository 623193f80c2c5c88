"""The value written to every ``<topic>.dlq``: the original message and why it was rejected."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated

import orjson
from pydantic import Field

from contracts.common import Contract, Timestamp


class DeadLetter(Contract):
    source_topic: str
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]
    key: str | None
    value: str  # the original bytes as text, for people (undecodable bytes replaced)
    value_b64: str  # the exact original bytes, for re-drive
    error: str
    error_type: str
    processor: str
    failed_at: Timestamp


def dead_letter_record(
    *,
    source_topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    error: str,
    error_type: str,
    processor: str,
    failed_at: datetime | None = None,
) -> dict:
    """A dead letter as a JSON-ready dict.

    ``failed_at`` is wall-clock time, for operators only: no business logic reads it.
    """
    raw = value or b""
    return {
        "source_topic": source_topic,
        "partition": partition,
        "offset": offset,
        "key": key.decode("utf-8", "replace") if key is not None else None,
        "value": raw.decode("utf-8", "replace"),
        "value_b64": base64.b64encode(raw).decode(),
        "error": one_line(error),
        "error_type": error_type,
        "processor": processor,
        "failed_at": (failed_at or datetime.now(UTC)).isoformat(),
    }


def one_line(reason: str) -> str:
    """A reason on one line: operators grep DLQ values and a traceback would break the record's display."""
    return " ".join(reason.split())


def dead_letter(**fields) -> bytes:
    """A dead letter serialised (see :func:`dead_letter_record` for the fields)."""
    return orjson.dumps(dead_letter_record(**fields))


def original_value(letter: DeadLetter) -> bytes:
    return base64.b64decode(letter.value_b64)

"""The value written to every ``<topic>.dlq``: the original message and why it was rejected."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated

import orjson
from pydantic import Field, model_validator

from contracts.common import Contract, Timestamp
from contracts.errors import cross_field_error
from contracts.nul import NUL


class DeadLetter(Contract):
    source_topic: str
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]
    key: str | None
    value: str  # the original bytes as text, for people (undecodable bytes replaced)
    value_b64: str  # the exact original bytes, for re-drive
    # set only when the original was too large to keep here: its size; ``value`` then holds its start
    # and ``value_b64`` is empty (the original stays at its place in the source topic)
    value_size: Annotated[int, Field(ge=0)] | None = None
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

    ``failed_at`` is wall-clock time, for operators only: no business logic reads it. An original whose
    letter would pass `LETTER_LIMIT` is kept as its first `KEPT_WHEN_TOO_LARGE` bytes, for people, with
    its size (`value_size`): a letter Kafka refused would stop the processor at that message on every start.
    """
    raw = value or b""
    record = {
        "source_topic": source_topic,
        "partition": partition,
        "offset": offset,
        "key": _text(key) if key is not None else None,
        "value": _text(raw),
        "value_b64": base64.b64encode(raw).decode(),
        "error": one_line(error)[:ERROR_LIMIT].replace(NUL, REPLACEMENT),
        "error_type": error_type,
        "processor": processor,
        "failed_at": (failed_at or datetime.now(UTC)).isoformat(),
    }
    # text escapes at most 6 bytes per byte, base64 takes 4 per 3: below this the letter always fits
    if len(raw) > LETTER_LIMIT // 8 and len(orjson.dumps(record)) > LETTER_LIMIT:
        start = _text(raw[:KEPT_WHEN_TOO_LARGE], errors="ignore")  # ignore: a character cut in two
        record.update(value=start, value_b64="", value_size=len(raw))
    return record


# A letter's size at most: under the 1 MB that Kafka takes by default in a message (broker and producer),
# with room for the key and the record's other fields.
LETTER_LIMIT = 900_000
KEPT_WHEN_TOO_LARGE = 64 * 1024
ERROR_LIMIT = 10_000  # characters of the reason (a contract's refusal names each field that failed)


def _text(raw: bytes, errors: str = "replace") -> str:
    """Bytes as text for people: what is not UTF-8 (``errors``), and NUL (which every contract refuses, this
    one's reader too), as U+FFFD. The exact bytes are in ``value_b64``."""
    return raw.decode("utf-8", errors).replace(NUL, REPLACEMENT)


REPLACEMENT = "\ufffd"


def one_line(reason: str) -> str:
    """A reason on one line: operators grep DLQ values and a traceback would break the record's display."""
    return " ".join(reason.split())


def dead_letter(**fields) -> bytes:
    """A dead letter serialised (see :func:`dead_letter_record` for the fields)."""
    return orjson.dumps(dead_letter_record(**fields))


def original_value(letter: DeadLetter) -> bytes:
    if letter.value_size is not None:
        raise ValueError("the letter keeps only the start of its original value")
    return base64.b64decode(letter.value_b64)


# ---- the admin API's view of dead letters (GET /api/admin/dlq…, POST …/redrive) ----


class DeadLetterReason(Contract):
    reason: str
    count: int
    # False for the reason of records that are no readable dead letter: a redrive skips each of them
    redrivable: bool
    # True when its letters' messages failed the source topic's contract: re-driven as they are, they are
    # dead-lettered again unless the contract changed since (`DeadLetterPublic.failed_contract`, each)
    failed_contract: bool = False


class DeadLetterTopicPublic(Contract):
    """One dead-letter topic: how many records, how many re-driven, the commonest reasons."""

    topic: str
    source_topic: str
    count: int
    redriven: int
    oldest: Timestamp | None
    newest: Timestamp | None
    reasons: list[DeadLetterReason]


class DeadLetterPosition(Contract):
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]


class DeadLetterPublic(Contract):
    """A dead letter as an operator reads it; ``letter`` is None when the record is not a DeadLetter."""

    partition: int
    offset: int
    dead_lettered_at: Timestamp
    redriven: bool
    reason: str
    letter: DeadLetter | None
    # Its message failed the source topic's contract: re-driven as it is, it is refused again unless the
    # contract changed since (`infra.dead_letters.StoredLetter.failed_contract`)
    failed_contract: bool = False


class DeadLetterPage(Contract):
    topic: str
    total: int
    offset: int
    limit: int
    items: list[DeadLetterPublic]
    reasons: list[DeadLetterReason]  # the whole topic's, most frequent first (up to 50), to re-drive by


class RedriveCreate(Contract):
    """Which dead letters to re-drive: exactly one of ``positions``, ``reason`` (contained in the error,
    ignoring case) or ``all``. ``dry_run`` says what would be re-driven and produces nothing."""

    positions: Annotated[list[DeadLetterPosition], Field(min_length=1, max_length=10_000)] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    all: bool = False
    dry_run: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> RedriveCreate:
        if sum((self.positions is not None, self.reason is not None, self.all)) != 1:
            raise cross_field_error(
                "positions", "choose the dead letters in one way: positions, reason or all"
            )
        return self


class RedriveSkipped(Contract):
    partition: int
    offset: int
    why: str


class RedriveRedriven(Contract):
    partition: int
    offset: int
    key: str | None
    new_partition: int | None  # where the copy landed in the source topic; None in a dry run
    new_offset: int | None
    # Its message failed the source topic's contract: re-driven as it is, it is refused again unless the
    # contract changed since (an upgrade); the sender's fix, sent again, is the usual cure.
    failed_contract: bool = False


class RedrivePublic(Contract):
    topic: str
    source_topic: str
    dry_run: bool
    redriven: list[RedriveRedriven]
    skipped: list[RedriveSkipped]
    failed: list[RedriveSkipped]  # Kafka did not confirm these: nothing recorded, safe to try again

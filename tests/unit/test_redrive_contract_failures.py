"""Which re-driven letters failed their topic's contract (`infra.redrive.Redriven.failed_contract`): the
command line and the admin page warn that those are refused again unless the contract changed since."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.dlq import DeadLetter, dead_letter_record
from infra.dead_letters import StoredLetter
from infra.redrive import Redriven


def _stored(error_type: str | None) -> StoredLetter:
    letter = None
    if error_type is not None:
        record = dead_letter_record(
            source_topic="payments",
            partition=0,
            offset=7,
            key=b"LN-A",
            value=b'{"amount": "lots"}',
            error="amount: not a number",
            error_type=error_type,
            processor="delinquency",
        )
        letter = DeadLetter.model_validate(record)
    return StoredLetter("payments.dlq", 0, 3, datetime(2026, 12, 7, tzinfo=UTC), b"", letter)


def test_only_a_letter_whose_message_failed_its_contract_is_marked():
    assert Redriven(_stored("ValidationError"), None, None).failed_contract is True
    assert Redriven(_stored("KeyError"), None, None).failed_contract is False  # a processor's fault: fix it
    assert Redriven(_stored("BusinessDateTooFar"), 1, 9).failed_contract is False
    assert Redriven(_stored(None), None, None).failed_contract is False  # no readable letter

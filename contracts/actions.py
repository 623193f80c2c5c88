"""``agent.actions``: what agents did and what customers promised, keyed by ``cif``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import Field, model_validator

from contracts.common import (
    Code,
    ContactChannel,
    Contract,
    Identifier,
    KeyedContract,
    LongText,
    PositiveMoney,
    ShortText,
    Timestamp,
)
from contracts.errors import cross_field_error

PROMISE_RESULT = "PROMISE_TO_PAY"
WRONG_NUMBER = "WRONG_NUMBER"  # the result that flags the contact it names (`processors.strategy.logic`)
CEASE_COMMUNICATION = "CEASE_COMMUNICATION"  # the customer asked to be contacted no more (for good)
# The results that reached the customer (a right-party contact): counted as contacts by the queues'
# compliance and the dashboard (migration 0015), and on a number reported wrong, proof it is right after all.
RIGHT_PARTY_RESULTS = frozenset(
    {PROMISE_RESULT, "PAID", "REFUSED", "CALLBACK", "DISPUTE", CEASE_COMMUNICATION}
)


class Promise(Contract):
    date: date
    amount: PositiveMoney


class ContactInfo(Contract):
    channel: ContactChannel
    number: Annotated[str, Field(min_length=1, max_length=254)]


class Visit(Contract):
    lat: Annotated[float, Field(ge=-90, le=90)]  # a coordinate, not money: float is right here
    lon: Annotated[float, Field(ge=-180, le=180)]
    address: ShortText | None = None


class _ActionFields(KeyedContract):
    KEY_FIELD = "cif"

    cif: Identifier
    account_number: Identifier | None = None
    type: Code
    subtype: Code
    result: Code
    at: Timestamp
    notes: LongText | None = None
    promise: Promise | None = None
    follow_up_date: date | None = None
    contact: ContactInfo | None = None
    visit: Visit | None = None

    @model_validator(mode="after")
    def _promise_goes_with_its_result(self) -> Self:
        if self.result == PROMISE_RESULT and self.promise is None:
            raise cross_field_error("promise", "result PROMISE_TO_PAY needs a promise with date and amount")
        if self.promise is not None and self.result != PROMISE_RESULT:
            raise cross_field_error("promise", f"only allowed with result PROMISE_TO_PAY, not {self.result}")
        return self


class AgentAction(_ActionFields):
    action_id: Identifier
    agent_id: Identifier

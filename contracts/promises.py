"""Outbound promise records: what the `promises` topic carries each time a promise is made, kept or broken."""

from __future__ import annotations

from datetime import date
from typing import Literal

from contracts.common import Contract, MoneyOut


class PromiseRecord(Contract):
    action_id: str
    cif: str
    account_number: str | None  # None: any of the customer's loans counts toward it
    agent_id: str | None
    made_on: date
    date: date
    amount: MoneyOut
    status: Literal["PENDING", "KEPT", "BROKEN"]
    paid: MoneyOut  # paid toward the promise so far
    evaluated_on: date  # the business date (or a later payment's date) its status was judged as of
    # the date the rules kept or broke it (`domain.promises.judged_on`: a supervisor's "kept today"); None
    # while pending, and absent from records produced before it existed
    settled_on: date | None = None

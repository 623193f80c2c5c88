"""Outbound delinquency records: what `delinquency.loans` and `delinquency.transitions` carry.

DPD grows by one every business day without any event; consumers that need today's figure derive it as
``business date − oldest_unpaid_due`` (records are re-emitted whenever the bucket or amounts change).
"""

from __future__ import annotations

from datetime import date

from contracts.common import Contract, MoneyOut


class LoanDelinquency(Contract):
    account_number: str
    cif: str
    currency: str
    business_date: date
    dpd: int
    bucket: str
    overdue_amount: MoneyOut
    outstanding: MoneyOut
    oldest_unpaid_due: date | None
    next_event: date | None
    # Increases with every change of the loan's state: sinks keep the highest, so replays never go back.
    revision: int


class BucketTransition(Contract):
    account_number: str
    cif: str
    business_date: date
    from_bucket: str
    to_bucket: str
    kind: str  # ENTRY | ROLL_FORWARD | ROLL_BACK | CURE
    dpd: int
    revision: int

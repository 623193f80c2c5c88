"""Outbound delinquency records: what `delinquency.loans` and `delinquency.transitions` carry.

DPD grows by one every business day without any event; consumers that need today's figure derive it as
``business date − oldest_unpaid_due`` (records are re-emitted whenever the bucket or amounts change).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

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
    product_type: str = ""  # passed on from the bank's snapshot for strategies to match on
    custom_fields: dict[str, Any] = {}  # exact numbers as decimal strings
    status: Literal["OPEN", "CLOSED"] = "OPEN"  # the bank's snapshot's, for strategies to match on
    # The bank moved the loan to another customer: this record, under the customer it left (`cif`), tells
    # their roll-up to let it go; the next record is the new customer's. No table keeps it.
    departed: bool = False


class BucketTransition(Contract):
    account_number: str
    cif: str
    business_date: date
    from_bucket: str
    to_bucket: str
    kind: str  # ENTRY | ROLL_FORWARD | ROLL_BACK | CURE
    dpd: int
    revision: int


class LoanFacts(Contract):
    """One loan of a customer as strategies see it (`delinquency.customers` carries all of them)."""

    account_number: str
    product_type: str
    currency: str
    dpd: int
    bucket: str
    overdue_amount: MoneyOut
    outstanding: MoneyOut
    oldest_unpaid_due: date | None
    custom_fields: dict[str, Any] = {}
    status: Literal["OPEN", "CLOSED"] = "OPEN"


class CustomerDelinquencyRecord(Contract):
    """`delinquency.customers`: the customer as late as their worst loan, with every loan's figures."""

    cif: str
    business_date: date
    max_dpd: int
    bucket: str
    overdue_total: dict[str, MoneyOut]  # per currency
    outstanding_total: dict[str, MoneyOut]
    oldest_unpaid_due: date | None
    loans: int
    loans_delinquent: int
    revision: int
    accounts: list[LoanFacts] = []

"""The collections domain as plain Python: no Kafka, database or web imports, so it is tested in isolation.

Processors, sinks and the API all call these rules; see docs/domain-rules.md for worked examples. The names
below are the public surface (``from domain import dpd, with_payment, bucket``); the modules hold the rest.
"""

from domain.aging import AgingIndex
from domain.buckets import DEFAULT_BUCKETS, BucketConfig, Transition, bucket, next_change_date, transition
from domain.customer import CustomerDelinquency, roll_up
from domain.errors import (
    ConflictingPayment,
    CurrencyMismatch,
    DomainError,
    InvalidConfig,
    InvalidPayment,
    UnknownBucket,
    WrongAccount,
)
from domain.ledger import Effect, Payment, PaymentStatus
from domain.loan import (
    LoanState,
    LoanView,
    Snapshot,
    Unpaid,
    aged,
    dpd,
    oldest_unpaid_due_date,
    overdue_amount,
    unpaid,
    with_payment,
    with_snapshot,
)
from domain.promises import CountedPayment, Promise, PromiseConfig, PromiseStatus, promise_status
from domain.schedule import Installment, apply_payments

__all__ = [
    "DEFAULT_BUCKETS",
    "AgingIndex",
    "BucketConfig",
    "ConflictingPayment",
    "CountedPayment",
    "CurrencyMismatch",
    "CustomerDelinquency",
    "DomainError",
    "Effect",
    "Installment",
    "InvalidConfig",
    "InvalidPayment",
    "LoanState",
    "LoanView",
    "Payment",
    "PaymentStatus",
    "Promise",
    "PromiseConfig",
    "PromiseStatus",
    "Snapshot",
    "Transition",
    "UnknownBucket",
    "WrongAccount",
    "aged",
    "apply_payments",
    "bucket",
    "dpd",
    "next_change_date",
    "oldest_unpaid_due_date",
    "overdue_amount",
    "promise_status",
    "roll_up",
    "transition",
    "Unpaid",
    "unpaid",
    "with_payment",
    "with_snapshot",
]

"""The payments of one loan: deduplicated by reference, reversals undo, order of arrival does not matter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"


# When one reference arrives with several statuses, the more final one wins whatever the order.
_PRECEDENCE = {PaymentStatus.PENDING: 0, PaymentStatus.FAILED: 1, PaymentStatus.COMPLETED: 2}


class Effect(StrEnum):
    APPLIED = "APPLIED"  # a completed payment now counts
    DUPLICATE = "DUPLICATE"  # nothing new: the same reference and status again
    NOT_COUNTED = "NOT_COUNTED"  # pending or failed: recorded, reduces nothing
    REVERSED = "REVERSED"  # a reversal undid a known payment
    REVERSAL_HELD = "REVERSAL_HELD"  # a reversal of a payment not seen yet: it will be undone on arrival


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    reference: str
    amount: Decimal
    currency: str
    paid_at: datetime
    status: PaymentStatus
    reverses: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    amount: Decimal
    currency: str
    paid_at: datetime
    status: PaymentStatus


@dataclass(frozen=True)
class Ledger:
    entries: dict[str, Entry] = field(default_factory=dict)
    reversed: frozenset[str] = frozenset()
    # reversal reference → the reference it undoes (so a repeated reversal message is a duplicate)
    reversals: dict[str, str] = field(default_factory=dict)

    def with_event(self, event: PaymentEvent) -> tuple[Ledger, Effect]:
        if event.status is PaymentStatus.REVERSED:
            if event.reference in self.reversals or event.reverses in self.reversed:
                return self, Effect.DUPLICATE
            target = event.reverses or ""
            ledger = Ledger(
                self.entries, self.reversed | {target}, {**self.reversals, event.reference: target}
            )
            return ledger, Effect.REVERSED if target in self.entries else Effect.REVERSAL_HELD
        known = self.entries.get(event.reference)
        if known is not None and _PRECEDENCE[known.status] >= _PRECEDENCE[event.status]:
            return self, Effect.DUPLICATE
        entry = Entry(event.amount, event.currency, event.paid_at, event.status)
        ledger = Ledger({**self.entries, event.reference: entry}, self.reversed, self.reversals)
        counts = event.status is PaymentStatus.COMPLETED and event.reference not in self.reversed
        return ledger, Effect.APPLIED if counts else Effect.NOT_COUNTED

    def counted(self, currency: str, after: datetime | None) -> Decimal:
        """Completed, unreversed payments in ``currency`` made after ``after`` (the loan snapshot's as_of)."""
        return sum(
            (
                entry.amount
                for reference, entry in self.entries.items()
                if entry.status is PaymentStatus.COMPLETED
                and reference not in self.reversed
                and entry.currency == currency
                and (after is None or entry.paid_at > after)
            ),
            ZERO,
        )

    def in_other_currency(self, currency: str) -> list[str]:
        return sorted(ref for ref, entry in self.entries.items() if entry.currency != currency)

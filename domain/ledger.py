"""The payments of one loan: deduplicated by reference, reversals undo, order of arrival does not matter.

The ledger only remembers what can still change the loan's figures: completed payments made after the
bank's snapshot, and reversals made after it. Everything at or before the snapshot's ``as_of`` is already in
the bank's ``paid`` figures (`pruned`), so the state of a loan stays a few entries long.

A reversal made after the snapshot of a payment the ledger does not count (one made before the snapshot, so
in its ``paid`` figures, or one not arrived yet) takes its amount off those figures: the bank's snapshot
still holds the payment the reversal undid. Should the payment arrive later, made after the snapshot, it is
recorded and the reversal cancels it instead, so the figures depend only on the set of messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.errors import ConflictingPayment, InvalidPayment
from domain.money import ZERO


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"


class Effect(StrEnum):
    APPLIED = "APPLIED"  # a completed payment now counts
    DUPLICATE = "DUPLICATE"  # nothing new: that reference (or a reversal of that payment) was seen before
    IGNORED = "IGNORED"  # pending or failed, or made at or before the snapshot's as_of (already in it)
    REVERSAL = "REVERSAL"  # a reversal undid a known payment
    # reverses a payment not counted here: its amount comes off the snapshot's figures (see the module)
    UNKNOWN_REVERSAL = "UNKNOWN_REVERSAL"


@dataclass(frozen=True, slots=True)
class Payment:
    """One message of the `payments` topic, as the rules need it."""

    reference_number: str
    account_number: str | None  # None: the caller has already routed it to its loan
    amount: Decimal
    currency: str
    paid_at: datetime
    status: PaymentStatus
    reverses: str | None = None

    @property
    def reference(self) -> str:
        return self.reference_number


class PaymentEvent(Payment):
    """The earlier constructor (reference first, no account number), kept for existing callers."""

    __slots__ = ()

    def __init__(
        self,
        reference: str,
        amount: Decimal,
        currency: str,
        paid_at: datetime,
        status: PaymentStatus,
        reverses: str | None = None,
        account_number: str | None = None,
    ) -> None:
        Payment.__init__(self, reference, account_number, amount, currency, paid_at, status, reverses)


@dataclass(frozen=True, slots=True)
class Entry:
    """A completed payment that counts on top of the snapshot (unless reversed)."""

    amount: Decimal
    currency: str
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class Reversal:
    target: str  # the reference of the payment it undoes
    paid_at: datetime | None  # None only in state written before reversals kept their time
    # the undone payment's (a reversal states it); None only in state written before reversals kept it
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class Ledger:
    """Immutable by convention: every change builds new dicts, so treat these as read-only."""

    entries: dict[str, Entry] = field(default_factory=dict)
    reversals: dict[str, Reversal] = field(default_factory=dict)  # reversal reference → what it undoes
    # reference → time of payments made after the snapshot seen only pending or failed: a reversal of one
    # undoes nothing the bank's figures hold
    uncounted: dict[str, datetime] = field(default_factory=dict)

    @property
    def reversed(self) -> frozenset[str]:
        """References of the payments that some reversal undoes."""
        return frozenset(r.target for r in self.reversals.values())

    def with_event(self, event: Payment, after: datetime | None = None) -> tuple[Ledger, Effect]:
        """Record one payment message; ``after`` is the snapshot's ``as_of`` (None before the first one).

        Every message that arrives is either recorded or a no-op, and what is recorded depends only on the
        set of messages, so any order of arrival ends in the same ledger.
        """
        if event.status is PaymentStatus.REVERSED:
            return self._with_reversal(event, after)
        if event.status is not PaymentStatus.COMPLETED:
            # only completed payments reduce arrears
            return self._with_uncounted(event, after), Effect.IGNORED
        known = self.entries.get(event.reference_number)
        if known is not None:
            if (known.amount, known.currency, known.paid_at) != (event.amount, event.currency, event.paid_at):
                raise ConflictingPayment(
                    f"payment {event.reference_number} arrived again with another amount, currency or time "
                    f"({event.amount} {event.currency} at {event.paid_at.isoformat()}; first seen: "
                    f"{known.amount} {known.currency} at {known.paid_at.isoformat()})"
                )
            return self, Effect.DUPLICATE
        if after is not None and event.paid_at <= after:
            return self, Effect.IGNORED  # already in the bank's paid figures
        entries = {**self.entries, event.reference_number: Entry(event.amount, event.currency, event.paid_at)}
        ledger = Ledger(entries, self.reversals, self.uncounted)
        # a payment whose reversal came first is recorded (so the reversal stays matched) but never counts
        return ledger, Effect.IGNORED if event.reference_number in self.reversed else Effect.APPLIED

    def _with_reversal(self, event: Payment, after: datetime | None) -> tuple[Ledger, Effect]:
        target = event.reverses
        if not target or target == event.reference_number:
            raise InvalidPayment(f"reversal {event.reference_number} does not name the payment it undoes")
        if event.reference_number in self.reversals:
            return self, Effect.DUPLICATE
        if after is not None and event.paid_at <= after:
            return self, Effect.IGNORED  # the bank's figures already reflect it
        already = target in self.reversed
        reversal = Reversal(target, event.paid_at, event.amount, event.currency)
        ledger = Ledger(self.entries, {**self.reversals, event.reference_number: reversal}, self.uncounted)
        if already:
            return ledger, Effect.DUPLICATE  # another message undoing the same payment: recorded, no change
        return ledger, Effect.REVERSAL if target in self.entries else Effect.UNKNOWN_REVERSAL

    def _with_uncounted(self, event: Payment, after: datetime | None) -> Ledger:
        """A pending or failed payment made after the snapshot, remembered (at its earliest time, so in any
        order of arrival) so that a reversal of it is not taken to undo money in the snapshot."""
        if after is not None and event.paid_at <= after:
            return self
        known = self.uncounted.get(event.reference_number)
        if known is not None and known <= event.paid_at:
            return self
        uncounted = {**self.uncounted, event.reference_number: event.paid_at}
        return Ledger(self.entries, self.reversals, uncounted)

    def pruned(self, as_of: datetime) -> Ledger:
        """Without what a snapshot as of ``as_of`` already includes."""
        entries = {ref: e for ref, e in self.entries.items() if e.paid_at > as_of}
        reversals = {ref: r for ref, r in self.reversals.items() if r.paid_at is None or r.paid_at > as_of}
        uncounted = {ref: at for ref, at in self.uncounted.items() if at > as_of}
        if (len(entries), len(reversals), len(uncounted)) == (
            len(self.entries),
            len(self.reversals),
            len(self.uncounted),
        ):
            return self
        return Ledger(entries, reversals, uncounted)

    def counted(self, currency: str, after: datetime | None = None) -> Decimal:
        """Completed, unreversed payments in ``currency`` made after ``after`` (the loan snapshot's as_of),
        less what reversals take off the snapshot's figures (`snapshot_reversals`): negative when those
        are more."""
        taken_off = (
            sum((r.amount for r in self.snapshot_reversals(currency, after)), ZERO)
            if self.reversals
            else ZERO
        )
        if not self.entries:
            return ZERO - taken_off  # not -taken_off: that is Decimal("-0") when nothing is taken off
        undone = self.reversed
        return (
            sum(
                (
                    entry.amount
                    for reference, entry in self.entries.items()
                    if reference not in undone
                    and entry.currency == currency
                    and (after is None or entry.paid_at > after)
                ),
                ZERO,
            )
            - taken_off
        )

    def snapshot_reversals(self, currency: str, after: datetime | None = None) -> list[Reversal]:
        """The reversals in ``currency`` made after ``after`` of payments this ledger neither counts nor saw
        pending: the snapshot's figures hold those payments. One per undone payment (a second message
        undoing the same payment undoes nothing more), the first by reference."""
        taken: dict[str, Reversal] = {}
        for _reference, reversal in sorted(self.reversals.items()):
            if (
                reversal.amount is not None
                and reversal.currency == currency
                and reversal.target not in self.entries
                and reversal.target not in self.uncounted
                and (after is None or reversal.paid_at is None or reversal.paid_at > after)
            ):
                taken.setdefault(reversal.target, reversal)
        return list(taken.values())

    def in_other_currency(self, currency: str) -> list[str]:
        """References recorded before the loan's currency was known that turned out to be in another one."""
        return sorted(ref for ref, entry in self.entries.items() if entry.currency != currency)

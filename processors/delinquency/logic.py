"""The delinquency processor's rules over its state store; no Kafka here, so it is tested with a dict.

State layout in the processor's store (one per partition):
- per account (prefix = account number): ``loan`` (the LoanState as a dict), ``view`` (the last emitted
  record), ``filed`` (the date the account is filed under in the ageing index, or ``pending``);
- ``__partition__``: ``date``, the business date this partition has reached;
- ``__aging__``: ``<date>:<shard>`` → accounts whose bucket or overdue amount changes on that date, and
  ``pending:<shard>`` → accounts waiting for the first business date. Sharding keeps each list small.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Protocol

from domain.buckets import transition
from domain.codec import loan_from_dict, loan_to_dict
from domain.ledger import PaymentEvent
from domain.loan import LoanState, LoanView, Snapshot

SHARDS = 64
PENDING = "pending"
PARTITION, AGING = "__partition__", "__aging__"
LOANS, TRANSITIONS = "delinquency.loans", "delinquency.transitions"

Output = tuple[str, str, dict]  # (logical topic, key, value)


class StateLike(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...
    def delete(self, key: str) -> None: ...


StateOf = Callable[[str], StateLike]  # prefix → the state under that prefix


def _shard(account: str) -> int:
    return zlib.crc32(account.encode()) % SHARDS


def _file(state_of: StateOf, account: str, where: str | None) -> None:
    """Move ``account`` in the ageing index from where it was filed to ``where`` (a date, pending, None)."""
    own, aging = state_of(account), state_of(AGING)
    previous = own.get("filed")
    if previous == where:
        return
    shard = _shard(account)
    if previous is not None:
        slot = f"{previous}:{shard}"
        members = [a for a in aging.get(slot, []) if a != account]
        aging.set(slot, members) if members else aging.delete(slot)
    if where is not None:
        slot = f"{where}:{shard}"
        aging.set(slot, [*aging.get(slot, []), account])
        own.set("filed", where)
    else:
        own.delete("filed")


def _view_record(view: LoanView, revision: int) -> dict:
    return {
        "account_number": view.account_number,
        "cif": view.cif,
        "currency": view.currency,
        "business_date": view.business_date.isoformat(),
        "dpd": view.dpd,
        "bucket": view.bucket,
        "overdue_amount": str(view.overdue_amount),
        "outstanding": str(view.outstanding),
        "oldest_unpaid_due": view.oldest_unpaid_due.isoformat() if view.oldest_unpaid_due else None,
        "next_event": view.next_event.isoformat() if view.next_event else None,
        "revision": revision,
    }


def _changed(old: dict | None, new: dict) -> bool:
    """Whether a record says something new (DPD alone moving by a day is derivable, not news)."""
    if old is None:
        return True
    keys = ("bucket", "overdue_amount", "outstanding", "oldest_unpaid_due", "next_event", "cif")
    return any(old.get(k) != new.get(k) for k in keys)


def refresh(state_of: StateOf, account: str, loan: LoanState) -> list[Output]:
    """Recompute the loan as of the partition's business date; emit what changed; re-file it."""
    business_date = state_of(PARTITION).get("date")
    if business_date is None:
        _file(state_of, account, PENDING if loan.snapshot else None)
        return []
    view = loan.view(date.fromisoformat(business_date))
    if view is None:  # payments waiting for their loan
        _file(state_of, account, None)
        return []
    own = state_of(account)
    previous = own.get("view")
    revision = (previous or {}).get("revision", 0) + 1
    record = _view_record(view, revision)
    _file(state_of, account, view.next_event.isoformat() if view.next_event else None)
    if not _changed(previous, record):
        return []
    own.set("view", record)
    outputs: list[Output] = [(LOANS, account, record)]
    if previous is not None:
        kind = transition(previous["bucket"], record["bucket"])
        if kind is not None:
            outputs.append(
                (
                    TRANSITIONS,
                    account,
                    {
                        "account_number": account,
                        "cif": view.cif,
                        "business_date": business_date,
                        "from_bucket": previous["bucket"],
                        "to_bucket": record["bucket"],
                        "kind": kind.value,
                        "dpd": view.dpd,
                        "revision": revision,
                    },
                )
            )
    return outputs


def _load(state_of: StateOf, account: str) -> LoanState:
    data = state_of(account).get("loan")
    return loan_from_dict(data) if data else LoanState(account)


def on_snapshot(state_of: StateOf, snapshot: Snapshot) -> list[Output]:
    account = snapshot.account_number
    loan, accepted = _load(state_of, account).with_snapshot(snapshot)
    if not accepted:
        return []  # an older snapshot arriving late changes nothing
    state_of(account).set("loan", loan_to_dict(loan))
    return refresh(state_of, account, loan)


def on_payment(state_of: StateOf, account: str, event: PaymentEvent) -> list[Output]:
    """Raises CurrencyMismatch for a payment in another currency than its loan's (dead-lettered)."""
    before = _load(state_of, account)
    loan, _effect = before.with_payment(event)
    if loan is before:
        return []  # a duplicate or a payment that changes nothing: no state write, no recomputation
    state_of(account).set("loan", loan_to_dict(loan))
    return refresh(state_of, account, loan)


def on_business_date(state_of: StateOf, new_date: date) -> list[Output]:
    """Age this partition's loans to ``new_date``: only those filed under a date that has now come."""
    partition = state_of(PARTITION)
    current = partition.get("date")
    if current is not None and new_date <= date.fromisoformat(current):
        return []  # a replayed or out-of-date tick
    partition.set("date", new_date.isoformat())
    slots = [PENDING]
    if current is not None:
        day = date.fromisoformat(current) + timedelta(days=1)
        while day <= new_date:
            slots.append(day.isoformat())
            day += timedelta(days=1)
    aging = state_of(AGING)
    due: list[str] = []
    for slot in slots:
        for shard in range(SHARDS):
            members = aging.get(f"{slot}:{shard}")
            if members:
                due.extend(members)
    outputs: list[Output] = []
    for account in sorted(set(due)):
        outputs.extend(refresh(state_of, account, _load(state_of, account)))
    return outputs

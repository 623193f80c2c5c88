"""The delinquency processor's rules over its state store; no Kafka here, so it is tested with a dict.

State layout in the processor's store (one per partition):
- per account (prefix = account number): ``loan`` (the LoanState as a dict), ``view`` (the last emitted
  record), ``unpaid`` (its installments still owed, all a date tick needs to age it without decoding the
  loan), ``filed`` (the date the account is filed under in the ageing index, or ``pending``);
- ``__partition__``: ``date``, the business date this partition has reached (or is working off); ``aging``
  while the loans filed under dates that have come are still being worked off, a chunk per message, with
  the newer dates waiting their turn (`on_business_date`);
- ``__aging__``: ``<date>:<shard>`` → accounts whose bucket or overdue amount changes on that date, and
  ``pending:<shard>`` → accounts waiting for the first business date. Sharding keeps each list small.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.buckets import transition
from domain.codec import loan_from_dict, loan_to_dict
from domain.ledger import Effect, PaymentEvent, PaymentStatus
from domain.loan import LoanState, LoanView, Snapshot, Unpaid, aged, unpaid
from processors.common.date_index import PENDING, StateOf, file_under, members
from processors.common.parts import next_part
from processors.common.records import loan_view

PARTITION, AGING = "__partition__", "__aging__"
LOANS, TRANSITIONS = "delinquency.loans", "delinquency.transitions"
PAYMENTS = "delinquency.payments"  # payment facts re-keyed by customer, for the promises processor
# Loans aged per message by default (`CRM_DELINQUENCY_TICK_CHUNK`). The first business date after a bulk
# load ages every loan of the partition (65,000 per partition at 500,000 customers on six partitions took
# 66 s on a busy 2-core machine): as one message, its transaction outlived Kafka's transaction timeout
# (60 s) and the processor was fenced.
TICK_CHUNK = 5_000

Output = tuple[str, str, dict]  # (logical topic, key, value)
LOAN_FACTS = ("product_type", "custom_fields", "status")  # from the snapshot, for strategies to match on


def _file(state_of: StateOf, account: str, where: str | None) -> None:
    file_under(state_of, AGING, account, where)


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
    keys = ("bucket", "overdue_amount", "outstanding", "oldest_unpaid_due", "next_event", "cif", *LOAN_FACTS)
    return any(old.get(k) != new.get(k) for k in keys)


def _unpaid_from_state(raw: list) -> Unpaid:
    return tuple((date.fromisoformat(due), Decimal(amount)) for due, amount in raw)


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
    state_of(account).set("unpaid", [[due.isoformat(), str(amount)] for due, amount in unpaid(loan)])
    snapshot = loan.snapshot
    facts = {
        "product_type": snapshot.product_type,
        "custom_fields": snapshot.custom_fields,
        "status": snapshot.status,
    }
    return _emit(state_of, account, view, facts)


def _age(state_of: StateOf, account: str, on: date) -> list[Output]:
    """A loan whose date came, moved to ``on`` from its last view and unpaid installments alone."""
    own = state_of(account)
    record, rows = own.get("view"), own.get("unpaid")
    if record is None or rows is None:  # filed before these keys existed: the full computation
        return refresh(state_of, account, _load(state_of, account))
    # a view stored before `status` was passed on is of an open loan: a closed one is never aged
    facts = {"status": "OPEN"} | {key: record[key] for key in LOAN_FACTS if key in record}
    return _emit(state_of, account, aged(loan_view(record), _unpaid_from_state(rows), on), facts)


def _emit(state_of: StateOf, account: str, view: LoanView, facts: dict) -> list[Output]:
    """Record ``view`` as the loan's state; the record and any transition when it says something new."""
    business_date = view.business_date.isoformat()
    own = state_of(account)
    previous = own.get("view")
    revision = (previous or {}).get("revision", 0) + 1
    record = {**_view_record(view, revision), **facts}
    _file(state_of, account, view.next_event.isoformat() if view.next_event else None)
    if not _changed(previous, record):
        return []
    outputs: list[Output] = []
    if previous is not None and previous["cif"] != record["cif"]:
        # The bank moved the loan to another customer: the customer it left is told, so that their roll-up
        # lets it go (it is kept per customer and never sees the new customer's records).
        outputs.append((LOANS, account, _departure(previous, business_date, revision)))
        revision += 1
        record["revision"] = revision
    own.set("view", record)
    outputs.append((LOANS, account, record))
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


def _departure(previous: dict, business_date: str, revision: int) -> dict:
    """The record a loan leaves its former customer with (``departed``: the roll-up drops it; no table
    keeps it)."""
    return {**previous, "business_date": business_date, "revision": revision, "departed": True}


def _load(state_of: StateOf, account: str, schedule: bool = True) -> LoanState:
    data = state_of(account).get("loan")
    return loan_from_dict(data, schedule) if data else LoanState(account)


def _fact(cif: str, account: str, reference: str, amount, currency: str, paid_at, reverses=None) -> Output:
    """A payment or reversal re-keyed by its customer: promises are kept by a customer's payments."""
    value = {
        "cif": cif,
        "account_number": account,
        "reference_number": reference,
        "amount": str(amount),
        "currency": currency,
        "paid_on": paid_at.date().isoformat() if paid_at else None,
        "reverses": reverses,
    }
    return (PAYMENTS, cif, value)


def _held_facts(before: LoanState, cif: str) -> list[Output]:
    """Payments that waited for the loan's first snapshot, now that its customer is known."""
    ledger, account = before.ledger, before.account_number
    facts = [
        _fact(cif, account, ref, e.amount, e.currency, e.paid_at) for ref, e in sorted(ledger.entries.items())
    ]
    facts += [
        _fact(cif, account, ref, "0", "", r.paid_at, reverses=r.target)
        for ref, r in sorted(ledger.reversals.items())
    ]
    return facts


def on_snapshot(state_of: StateOf, snapshot: Snapshot) -> list[Output]:
    account = snapshot.account_number
    # The state a newer snapshot replaces: only its snapshot's date and its payments are read, so its old
    # schedule is not decoded (a bank re-sending every loan daily pays for that at every loan).
    before = _load(state_of, account, schedule=False)
    loan, accepted = before.with_snapshot(snapshot)
    if not accepted:
        return []  # an older snapshot arriving late changes nothing
    state_of(account).set("loan", loan_to_dict(loan))
    facts = _held_facts(before, snapshot.cif) if before.snapshot is None else []
    return facts + refresh(state_of, account, loan)


def on_payment(state_of: StateOf, account: str, event: PaymentEvent) -> list[Output]:
    """Raises CurrencyMismatch for a payment in another currency than its loan's (dead-lettered)."""
    before = _load(state_of, account)
    loan, effect = before.with_payment(event)
    facts: list[Output] = []
    counts_for_promises = event.status in (PaymentStatus.COMPLETED, PaymentStatus.REVERSED)
    if loan.snapshot is not None and counts_for_promises and effect is not Effect.DUPLICATE:
        amount = "0" if event.reverses else event.amount
        facts.append(
            _fact(
                loan.snapshot.cif,
                account,
                event.reference,
                amount,
                event.currency,
                event.paid_at,
                event.reverses,
            )
        )
    if loan is before:
        return facts  # a duplicate or a payment that changes nothing: no state write, no recomputation
    state_of(account).set("loan", loan_to_dict(loan))
    return facts + refresh(state_of, account, loan)


def on_business_date(state_of: StateOf, new_date: date, limit: int = TICK_CHUNK) -> tuple[list[Output], bool]:
    """Age this partition's loans to each business date in turn: at a date, only those filed under it (or
    under a day skipped since the date before), at most ``limit`` loans per call; and whether all are done.
    While not, the caller sends the tick again (the same value: a continuation) and the next call ages the
    next ``limit``.

    Dates are worked off one after another, each to its end: a newer date arriving mid-way waits in
    ``aging["queued"]``, so every record and transition carries the date it happened on, however fast the
    processor went (superseding the older date would age the loans it had not reached straight to the newer
    one, and date their transitions by it). The partition's date is the one being worked off: loans and
    payments arriving meanwhile are computed for it, and filed for the dates after it. ``aging`` remembers
    the date worked off before it (None at the first date: loans seen before any date wait in `pending`) and
    the last loan aged, in account order: each call goes past it, so the catch-up ends even if a loan
    stayed due."""
    partition = state_of(PARTITION)
    current = partition.get("date")
    aging = partition.get("aging")
    if current is None or new_date > date.fromisoformat(current):
        if aging is None:
            aging = {"after": current, "cursor": None, "queued": []}
            partition.set("date", new_date.isoformat())
        elif new_date.isoformat() not in aging.get("queued", []):
            aging = {**aging, "queued": sorted([*aging.get("queued", []), new_date.isoformat()])}
    elif aging is None:
        return [], True  # a replayed, out-of-date or already finished tick
    outputs: list[Output] = []
    budget = limit
    while True:
        through = date.fromisoformat(partition.get("date"))
        pending = set(members(state_of, AGING, PENDING))  # first seen before any business date: never viewed
        due = pending | _filed_between(state_of, aging["after"], through)
        part, done = next_part(due, aging["cursor"], budget)
        for account in part:
            if account in pending:
                outputs.extend(refresh(state_of, account, _load(state_of, account)))
            else:
                outputs.extend(_age(state_of, account, through))
        budget -= len(part)
        queued = aging.get("queued", [])
        if not done:
            partition.set("aging", {**aging, "cursor": part[-1]})
            return outputs, False
        if not queued:
            partition.delete("aging")
            return outputs, True
        # this date is worked off: on to the next one, in this call while the budget lasts
        aging = {"after": through.isoformat(), "cursor": None, "queued": queued[1:]}
        partition.set("date", queued[0])
        if budget <= 0:
            partition.set("aging", aging)
            return outputs, False


def _filed_between(state_of: StateOf, after: str | None, through: date) -> set[str]:
    """The loans filed under the dates after ``after`` (None: no date yet, so none) through ``through``."""
    dated: set[str] = set()
    if after is None:
        return dated
    day = date.fromisoformat(after) + timedelta(days=1)
    while day <= through:
        dated.update(members(state_of, AGING, day.isoformat()))
        day += timedelta(days=1)
    return dated

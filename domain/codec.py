"""Loan state to and from plain JSON-able dicts (Decimals as strings, dates ISO), for state stores.

Compact on purpose (one per loan in RocksDB): installments and payments are lists, not objects, empty parts
are left out, and keys are sorted so that equal states give equal bytes. `loan_from_dict` also reads the
earlier layouts (payment status kept per entry, reversals without their time or amount).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from domain.ledger import Entry, Ledger, PaymentStatus, Reversal
from domain.loan import LoanState, Snapshot
from domain.money import money_str
from domain.schedule import Installment


def _installment(row: Installment) -> list:
    return [
        row.due_date.isoformat(),
        money_str(row.principal),
        money_str(row.interest),
        money_str(row.fees),
        money_str(row.penalty),
        money_str(row.paid),
    ]


def loan_to_dict(state: LoanState) -> dict:
    data: dict = {"account_number": state.account_number}
    snapshot = state.snapshot
    if snapshot is not None:
        data["snapshot"] = {
            "cif": snapshot.cif,
            "currency": snapshot.currency,
            "closed": snapshot.closed,
            "outstanding": money_str(snapshot.outstanding),
            "as_of": snapshot.as_of.isoformat(),
            "schedule": [_installment(row) for row in snapshot.schedule],
        }
        if snapshot.product_type:
            data["snapshot"]["product_type"] = snapshot.product_type
        if snapshot.custom_fields:
            data["snapshot"]["custom_fields"] = snapshot.custom_fields
    ledger = state.ledger
    if ledger.entries:
        data["entries"] = {
            ref: [money_str(e.amount), e.currency, e.paid_at.isoformat()]
            for ref, e in sorted(ledger.entries.items())
        }
    if ledger.reversals:
        data["reversals"] = {ref: _reversal(r) for ref, r in sorted(ledger.reversals.items())}
    if ledger.uncounted:
        data["uncounted"] = {ref: at.isoformat() for ref, at in sorted(ledger.uncounted.items())}
    return data


def _snapshot(account_number: str, raw: dict, schedule: bool) -> Snapshot:
    rows = raw["schedule"] if schedule else ()
    return Snapshot(
        account_number=account_number,
        cif=raw["cif"],
        currency=raw["currency"],
        closed=raw["closed"],
        outstanding=Decimal(raw["outstanding"]),
        as_of=datetime.fromisoformat(raw["as_of"]),
        schedule=tuple(
            Installment(
                date.fromisoformat(d), Decimal(p), Decimal(i), Decimal(f), Decimal(pen), Decimal(paid)
            )
            for d, p, i, f, pen, paid in rows
        ),
        product_type=raw.get("product_type", ""),
        custom_fields=raw.get("custom_fields", {}),
    )


def _entries(raw: dict) -> dict[str, Entry]:
    entries = {}
    for ref, (amount, currency, paid_at, *status) in raw.items():
        if status and status[0] != PaymentStatus.COMPLETED:
            continue  # the earlier layout also kept pending and failed payments, which never count
        entries[ref] = Entry(Decimal(amount), currency, datetime.fromisoformat(paid_at))
    return entries


def _reversal(r: Reversal) -> list:
    row = [r.target, r.paid_at.isoformat() if r.paid_at else None]
    return row if r.amount is None else [*row, money_str(r.amount), r.currency]


def _reversals(raw: dict) -> dict[str, Reversal]:
    reversals = {}
    for ref, value in raw.items():
        if isinstance(value, str):  # the earliest layout: reversal → target, no time
            reversals[ref] = Reversal(value, None)
        else:  # [target, time] before reversals kept the undone amount, then [target, time, amount, currency]
            target, paid_at, *amount = value
            at = datetime.fromisoformat(paid_at) if paid_at else None
            undone = (Decimal(amount[0]), amount[1]) if amount else (None, None)
            reversals[ref] = Reversal(target, at, *undone)
    return reversals


def loan_from_dict(data: dict, schedule: bool = True) -> LoanState:
    """The loan state of ``data``. ``schedule=False`` leaves its snapshot's schedule out (empty), most of
    the decoding: for a state that only gives way to a newer snapshot, which reads its date and payments."""
    account = data["account_number"]
    snapshot = _snapshot(account, data["snapshot"], schedule) if "snapshot" in data else None
    uncounted = {ref: datetime.fromisoformat(at) for ref, at in data.get("uncounted", {}).items()}
    ledger = Ledger(_entries(data.get("entries", {})), _reversals(data.get("reversals", {})), uncounted)
    return LoanState(account, snapshot, ledger)

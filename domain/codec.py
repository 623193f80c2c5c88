"""Loan state to and from plain JSON-able dicts (Decimals as strings, dates ISO), for state stores."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from domain.ledger import Entry, Ledger, PaymentStatus
from domain.loan import LoanState, Snapshot
from domain.schedule import Installment


def _installment(row: Installment) -> list:
    return [
        row.due_date.isoformat(),
        str(row.principal),
        str(row.interest),
        str(row.fees),
        str(row.penalty),
        str(row.paid),
    ]


def loan_to_dict(state: LoanState) -> dict:
    data: dict = {"account_number": state.account_number}
    snapshot = state.snapshot
    if snapshot is not None:
        data["snapshot"] = {
            "cif": snapshot.cif,
            "currency": snapshot.currency,
            "closed": snapshot.closed,
            "outstanding": str(snapshot.outstanding),
            "as_of": snapshot.as_of.isoformat(),
            "schedule": [_installment(row) for row in snapshot.schedule],
        }
    ledger = state.ledger
    data["entries"] = {
        ref: [str(e.amount), e.currency, e.paid_at.isoformat(), e.status.value]
        for ref, e in ledger.entries.items()
    }
    data["reversed"] = sorted(ledger.reversed)
    data["reversals"] = dict(ledger.reversals)
    return data


def loan_from_dict(data: dict) -> LoanState:
    snapshot = None
    if "snapshot" in data:
        raw = data["snapshot"]
        snapshot = Snapshot(
            account_number=data["account_number"],
            cif=raw["cif"],
            currency=raw["currency"],
            closed=raw["closed"],
            outstanding=Decimal(raw["outstanding"]),
            as_of=datetime.fromisoformat(raw["as_of"]),
            schedule=tuple(
                Installment(
                    date.fromisoformat(d), Decimal(p), Decimal(i), Decimal(f), Decimal(pen), Decimal(paid)
                )
                for d, p, i, f, pen, paid in raw["schedule"]
            ),
        )
    entries = {
        ref: Entry(Decimal(amount), currency, datetime.fromisoformat(paid_at), PaymentStatus(status))
        for ref, (amount, currency, paid_at, status) in data["entries"].items()
    }
    ledger = Ledger(entries, frozenset(data["reversed"]), dict(data["reversals"]))
    return LoanState(data["account_number"], snapshot, ledger)

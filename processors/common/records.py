"""`delinquency.loans` records (as stored and as carried on the topic) back to the domain's `LoanView`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.loan import LoanView


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def loan_view(record: dict) -> LoanView:
    return LoanView(
        account_number=record["account_number"],
        cif=record["cif"],
        currency=record["currency"],
        business_date=date.fromisoformat(record["business_date"]),
        dpd=record["dpd"],
        bucket=record["bucket"],
        overdue_amount=Decimal(record["overdue_amount"]),
        outstanding=Decimal(record["outstanding"]),
        oldest_unpaid_due=day(record.get("oldest_unpaid_due")),
        next_event=day(record.get("next_event")),
    )

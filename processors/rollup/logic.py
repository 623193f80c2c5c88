"""Fold `delinquency.loans` records into one record per customer (pure: tested with a dict as state)."""

from __future__ import annotations

from datetime import date

from domain.customer import aligned, roll_up
from domain.loan import LoanView
from processors.common.records import loan_view


def on_loan_record(state, record: dict) -> dict | None:
    """Update the customer's loans with one loan record; return the customer's new record, or None.

    A ``departed`` record (the bank moved the loan to another customer) leaves only the loan's revision
    behind, so that an older record of it, redelivered, cannot bring it back; the customer is then as late
    as the loans they still have (none: a record of no loans, current)."""
    loans: dict = state.get("loans", {})
    account = record["account_number"]
    known = loans.get(account)
    if known is not None and known["revision"] >= record["revision"]:
        return None  # a redelivered or older record of that loan
    if record.get("departed"):
        if known is None or known.get("departed"):
            return None  # not counted here anyway
        loans[account] = {"revision": record["revision"], "departed": True}
    else:
        loans[account] = record
    state.set("loans", loans)
    held = {number: r for number, r in loans.items() if not r.get("departed")}
    # each loan's DPD as of the newest record's date: the figures quoted per account are those the
    # customer's max_dpd is made of
    views = aligned(loan_view(r) for r in held.values())
    result = roll_up(record["cif"], views)
    revision = state.get("revision", 0) + 1
    state.set("revision", revision)
    oldest = min((v.oldest_unpaid_due for v in views if v.dpd > 0 and v.oldest_unpaid_due), default=None)
    latest = max((v.business_date for v in views), default=date.fromisoformat(record["business_date"]))
    return {
        "cif": result.cif,
        "business_date": latest.isoformat(),
        "max_dpd": result.max_dpd,
        "bucket": result.bucket,
        "overdue_total": {currency: str(amount) for currency, amount in sorted(result.overdue_total.items())},
        "outstanding_total": {
            currency: str(amount) for currency, amount in sorted(result.outstanding_total.items())
        },
        "oldest_unpaid_due": oldest.isoformat() if oldest else None,
        "loans": result.loans,
        "loans_delinquent": result.loans_delinquent,
        "revision": revision,
        # By account number, not by the order the loans first arrived in (which differs between runs and
        # replays): the same loans always make the same record, here and in the search index.
        "accounts": [
            _facts(held[number], view)
            for number, view in sorted(zip(held, views, strict=True), key=lambda pair: pair[0])
        ],
    }


def _facts(record: dict, view: LoanView) -> dict:
    return {
        "account_number": record["account_number"],
        "product_type": record.get("product_type", ""),
        "currency": record["currency"],
        "dpd": view.dpd,
        "bucket": view.bucket,
        "overdue_amount": record["overdue_amount"],
        "outstanding": record["outstanding"],
        "oldest_unpaid_due": record.get("oldest_unpaid_due"),
        "custom_fields": record.get("custom_fields") or {},
        "status": record.get("status") or "OPEN",
    }

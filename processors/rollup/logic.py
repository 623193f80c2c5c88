"""Fold `delinquency.loans` records into one record per customer (pure: tested with a dict as state)."""

from __future__ import annotations

from domain.customer import aligned, roll_up
from domain.loan import LoanView
from processors.common.records import loan_view


def on_loan_record(state, record: dict) -> dict | None:
    """Update the customer's loans with one loan record; return the customer's new record, or None."""
    loans: dict = state.get("loans", {})
    known = loans.get(record["account_number"])
    if known is not None and known["revision"] >= record["revision"]:
        return None  # a redelivered or older record of that loan
    loans[record["account_number"]] = record
    state.set("loans", loans)
    # each loan's DPD as of the newest record's date: the figures quoted per account are those the
    # customer's max_dpd is made of
    views = aligned(loan_view(r) for r in loans.values())
    result = roll_up(record["cif"], views)
    revision = state.get("revision", 0) + 1
    state.set("revision", revision)
    oldest = min((v.oldest_unpaid_due for v in views if v.dpd > 0 and v.oldest_unpaid_due), default=None)
    return {
        "cif": result.cif,
        "business_date": max(v.business_date for v in views).isoformat(),
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
            _facts(loans[account], view)
            for account, view in sorted(zip(loans, views, strict=True), key=lambda pair: pair[0])
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

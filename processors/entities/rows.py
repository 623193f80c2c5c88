"""Validated inbound values → rows of the entity tables (migration 0001), with the version each row keeps."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from contracts import Collateral, CustomerRecord, LoanSnapshot, Payment
from sinks.postgres import UpsertSpec

CUSTOMERS = UpsertSpec(
    "customers",
    (
        "cif",
        "type",
        "name",
        "national_id",
        "company_name",
        "registration_number",
        "tax_id",
        "date_of_birth",
        "segment",
        "status",
        "phones",
        "emails",
        "addresses",
        "references",
        "timezone",
        "source_system",
        "updated_at",
    ),
    key=("cif",),
    version="updated_at",
)
LOANS = UpsertSpec(
    "loans",
    (
        "account_number",
        "cif",
        "product_type",
        "currency",
        "original_amount",
        "outstanding",
        "disbursement_date",
        "maturity_date",
        "interest_rate",
        "term_months",
        "status",
        "custom_fields",
        "source_system",
        "as_of",
    ),
    key=("account_number",),
    version="as_of",
)
INSTALLMENTS = UpsertSpec(
    "installments",
    ("account_number", "due_date", "principal", "interest", "fees", "penalty", "paid", "snapshot_as_of"),
    key=("account_number", "due_date"),
    version="snapshot_as_of",
    group=("account_number",),
)
COLLATERALS = UpsertSpec(
    "collaterals",
    (
        "collateral_number",
        "cif",
        "type",
        "value",
        "currency",
        "valuation_date",
        "details",
        "source_system",
        "updated_at",
    ),
    key=("collateral_number",),
    version="updated_at",
)
COLLATERAL_LOANS = UpsertSpec(
    "collateral_loans",
    ("collateral_number", "account_number", "updated_at"),
    key=("collateral_number", "account_number"),
    version="updated_at",
    group=("collateral_number",),
)
PAYMENTS = UpsertSpec(
    "payments",
    ("reference_number", "account_number", "amount", "currency", "paid_at", "method", "status", "reverses"),
    key=("reference_number",),
    # the ledger counts a payment as first completed: a later message with another amount is dead-lettered
    # (ConflictingPayment) and a later PENDING or FAILED undoes nothing; a reversal as first received (a
    # repeat of its reference is a duplicate there). So the table keeps them too.
    final=("status", ("COMPLETED", "REVERSED")),
)


def _json(models) -> Jsonb:
    return Jsonb([m.model_dump(mode="json", exclude_none=True) for m in models])


def customer_rows(c: CustomerRecord) -> list[tuple]:
    return [
        (
            c.cif,
            c.type.value,
            c.name,
            c.national_id,
            c.company_name,
            c.registration_number,
            c.tax_id,
            c.date_of_birth,
            c.segment,
            c.status,
            _json(c.phones),
            _json(c.emails),
            _json(c.addresses),
            _json(c.references),
            c.timezone,
            c.source_system,
            c.updated_at,
        )
    ]


def loan_rows(loan: LoanSnapshot) -> list[tuple]:
    custom = {
        k: (str(v) if not isinstance(v, bool | int | str | None) else v)
        for k, v in loan.custom_fields.items()
    }
    return [
        (
            loan.account_number,
            loan.cif,
            loan.product_type.value,
            loan.currency,
            loan.original_amount,
            loan.outstanding,
            loan.disbursement_date,
            loan.maturity_date,
            loan.interest_rate,
            loan.term_months,
            loan.status.value,
            Jsonb(custom),
            loan.source_system,
            loan.as_of,
        )
    ]


def installment_rows(loan: LoanSnapshot) -> list[tuple]:
    return [
        (
            loan.account_number,
            row.due_date,
            row.principal,
            row.interest,
            row.fees,
            row.penalty,
            row.paid,
            loan.as_of,
        )
        for row in loan.installments
    ]


def collateral_rows(c: Collateral) -> list[tuple]:
    return [
        (
            c.collateral_number,
            c.cif,
            c.type,
            c.value,
            c.currency,
            c.valuation_date,
            Jsonb(c.details),
            c.source_system,
            c.updated_at,
        )
    ]


def collateral_loan_rows(c: Collateral) -> list[tuple]:
    return [(c.collateral_number, account, c.updated_at) for account in c.account_numbers]


def payment_rows(p: Payment) -> list[tuple]:
    return [
        (
            p.reference_number,
            p.account_number,
            p.amount,
            p.currency,
            p.paid_at,
            p.method.value,
            p.status.value,
            p.reverses,
        )
    ]

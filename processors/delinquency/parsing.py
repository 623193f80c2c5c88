"""Inbound values (raw bytes) to domain objects; a value that fails its contract raises ValidationError."""

from __future__ import annotations

from decimal import Decimal

from contracts import LoanSnapshot, Payment
from domain.ledger import PaymentEvent, PaymentStatus
from domain.loan import Snapshot
from domain.schedule import Installment


def snapshot_from(raw: bytes, context: dict | None = None) -> Snapshot:
    """``context``: `contracts.common.under_key` of the message's key and timestamp, to refuse a loan sent
    under another key or as of a moment after it was sent."""
    loan = LoanSnapshot.model_validate_json(raw, context=context)
    return Snapshot(
        account_number=loan.account_number,
        cif=loan.cif,
        currency=loan.currency,
        closed=loan.status == "CLOSED",
        outstanding=loan.outstanding,
        as_of=loan.as_of,
        schedule=tuple(
            Installment(row.due_date, row.principal, row.interest, row.fees, row.penalty, row.paid)
            for row in loan.installments
        ),
        product_type=loan.product_type,
        # JSON-able for the state store and outputs: exact numbers as decimal strings
        custom_fields={k: str(v) if isinstance(v, Decimal) else v for k, v in loan.custom_fields.items()},
    )


def payment_from(raw: bytes, context: dict | None = None) -> tuple[str, PaymentEvent]:
    payment = Payment.model_validate_json(raw, context=context)
    event = PaymentEvent(
        reference=payment.reference_number,
        amount=payment.amount,
        currency=payment.currency,
        paid_at=payment.paid_at,
        status=PaymentStatus(payment.status),
        reverses=payment.reverses,
    )
    return payment.account_number, event

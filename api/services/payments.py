"""Posting a payment (integrations, admins): idempotent by ``reference_number``, all or nothing.

Checks before anything is stored or produced: the contract (FastAPI, 422), a repeat of an accepted
reference (202 with the first reply byte for byte, or 409 when the payment differs), a payment time not in
the future (422), the loan's currency when the loan is known (422), and for a reversal that the reversed
payment is known, of the same account, neither failed nor a reversal, and of the same amount (422), and
not reversed already by another reversal (409). The
accepted row, the audit line and the confirmed delivery to ``payments`` (key account_number) then commit
together.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import psycopg_pool

from api.errors import Conflict, field_error
from api.publishing import Outgoing, Publisher
from api.queries import payments as queries
from api.security import Principal
from api.services import in_the_future
from contracts.common import PaymentStatus
from contracts.writes import PaymentAccepted, PaymentCreate


def _repeat(stored: queries.AcceptedPayment, payment: PaymentCreate) -> PaymentAccepted:
    if stored.value != orjson.loads(payment.model_dump_json()):
        raise Conflict(f"reference number {payment.reference_number} already used for a different payment")
    return PaymentAccepted(
        reference_number=payment.reference_number,
        account_number=stored.account_number,
        accepted_at=stored.accepted_at.astimezone(UTC),
    )


def _check(found: queries.Prechecks, payment: PaymentCreate, now: datetime) -> None:
    if ahead := in_the_future(payment.paid_at, now, found.business_date):
        raise field_error("paid_at", ahead)
    if found.loan_currency is not None and found.loan_currency != payment.currency:
        raise field_error(
            "currency", f"loan {payment.account_number} is in {found.loan_currency}, not {payment.currency}"
        )
    if payment.status is PaymentStatus.REVERSED:
        _check_reversal(found.reversed, payment)
        if found.reversed_by is not None:
            raise Conflict(f"payment {payment.reverses} was reversed already, by {found.reversed_by}")


def _check_reversal(target: queries.ReversedPayment | None, payment: PaymentCreate) -> None:
    """A reversal undoes a known payment of the same account, in full (the same amount), and only one
    that counts or may yet count: not a failed payment, nor another reversal."""
    if target is None:
        raise field_error(
            "reverses",
            f"unknown payment {payment.reverses}: neither received from the bank nor posted here",
        )
    if target.account_number != payment.account_number:
        raise field_error(
            "reverses",
            f"payment {payment.reverses} was made on {target.account_number}, not {payment.account_number}",
        )
    if target.status in (PaymentStatus.FAILED, PaymentStatus.REVERSED):
        what = "failed" if target.status == PaymentStatus.FAILED else "is itself a reversal"
        raise field_error("reverses", f"payment {payment.reverses} {what}: there is nothing to reverse")
    if target.amount != payment.amount:
        raise field_error(
            "amount",
            f"a reversal undoes the whole payment: {payment.reverses} was {format(target.amount, 'f')}, "
            f"not {format(payment.amount, 'f')}",
        )


class _TakenMeanwhile(Exception):  # noqa: N818 - a signal: another request committed this reference first
    pass


async def record_payment(
    pool: psycopg_pool.AsyncConnectionPool, publisher: Publisher, user: Principal, payment: PaymentCreate
) -> PaymentAccepted:
    """Check the payment and produce it to ``payments``; the same payment again is accepted once."""
    async with pool.connection() as conn:
        found = await queries.prechecks(conn, payment)
        if found.accepted is not None:
            return _repeat(found.accepted, payment)
        accepted_at = datetime.now(UTC)
        _check(found, payment, accepted_at)
        value = payment.model_dump_json()
        try:
            async with conn.transaction():
                if not await queries.insert_accepted(conn, payment, value, accepted_at, user.username):
                    raise _TakenMeanwhile
                # raises PublishFailed (503): the transaction rolls back and nothing is stored
                await publisher.publish_async([Outgoing("payments", payment.account_number, value.encode())])
        except _TakenMeanwhile:
            stored = await queries.find_accepted(conn, payment.reference_number)
            assert stored is not None  # rows are never deleted
            return _repeat(stored, payment)
    return PaymentAccepted(
        reference_number=payment.reference_number,
        account_number=payment.account_number,
        accepted_at=accepted_at,
    )

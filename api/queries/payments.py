"""Posting payments: the accepted-payments table (idempotency) and what the checks read, on the event loop.

A posting is one round trip for every check (:func:`prechecks`), then the transaction: the accepted row
with its audit line in one statement (:func:`insert_accepted`), and the commit once Kafka has confirmed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

import psycopg

from api.queries.audit import audited_insert, insert_with_audit
from contracts.payments import Payment


class AcceptedPayment(NamedTuple):
    value: dict  # the Payment as produced (JSON)
    account_number: str
    accepted_at: datetime


class ReversedPayment(NamedTuple):
    """The payment a reversal undoes, as the bank sent it or as it was posted here."""

    account_number: str
    amount: Decimal
    status: str


class Prechecks(NamedTuple):
    accepted: AcceptedPayment | None  # this reference, already accepted
    loan_currency: str | None  # None when the bank has not sent the loan (yet)
    reversed: ReversedPayment | None  # a reversal's reversed payment, when known (else None)
    reversed_by: str | None  # the reference of another reversal that undid that payment already
    business_date: date | None  # the latest the delinquency processor reached (None before the first)


_PRECHECKS = """
SELECT accepted.value, accepted.account_number, accepted.accepted_at,
       (SELECT currency FROM loans WHERE account_number = %(account)s),
       known.account_number, known.amount, known.status,
       (SELECT reference_number FROM payments
        WHERE reverses = %(reverses)s AND status = 'REVERSED' AND reference_number <> %(reference)s
        UNION ALL
        SELECT reference_number FROM accepted_payments
        WHERE value->>'reverses' = %(reverses)s AND reference_number <> %(reference)s
        LIMIT 1),
       (SELECT max(business_date) FROM loan_delinquency)
FROM (SELECT) AS one
LEFT JOIN accepted_payments accepted ON accepted.reference_number = %(reference)s
LEFT JOIN LATERAL (
    SELECT account_number, amount, status FROM payments WHERE reference_number = %(reverses)s
    UNION ALL
    SELECT account_number, (value->>'amount')::numeric, value->>'status'
    FROM accepted_payments WHERE reference_number = %(reverses)s
    LIMIT 1
) AS known ON true"""


async def prechecks(conn: psycopg.AsyncConnection, payment: Payment) -> Prechecks:
    """The accepted payment of this reference, the loan's currency, (for a reversal) the reversed payment
    and any other reversal of it, and the business date: one statement."""
    cursor = await conn.execute(
        _PRECHECKS,
        {
            "reference": payment.reference_number,
            "account": payment.account_number,
            "reverses": payment.reverses,
        },
    )
    row = await cursor.fetchone()
    assert row is not None  # one row, always
    value, account_number, accepted_at, loan_currency, *reversed_payment, reversed_by, business_date = row
    accepted = AcceptedPayment(value, account_number, accepted_at) if value is not None else None
    reversed_ = ReversedPayment(*reversed_payment) if reversed_payment[0] is not None else None
    return Prechecks(accepted, loan_currency, reversed_, reversed_by, business_date)


async def find_accepted(conn: psycopg.AsyncConnection, reference_number: str) -> AcceptedPayment | None:
    cursor = await conn.execute(
        "SELECT value, account_number, accepted_at FROM accepted_payments WHERE reference_number = %s",
        (reference_number,),
    )
    row = await cursor.fetchone()
    return AcceptedPayment(*row) if row else None


# The row and its audit line in one statement: the audit line only when the row was inserted.
_INSERT = audited_insert(
    "INSERT INTO accepted_payments (reference_number, account_number, accepted_at, accepted_by, value) "
    "VALUES (%(reference)s, %(account)s, %(accepted_at)s, %(who)s, %(value)s::jsonb) "
    "ON CONFLICT (reference_number) DO NOTHING RETURNING 1",
    "payment.post",
    "'account:' || %(account)s",
)


async def insert_accepted(
    conn: psycopg.AsyncConnection, payment: Payment, value: str, accepted_at: datetime, accepted_by: str
) -> bool:
    """Store the accepted payment (``value``: its JSON as produced) and its audit line (``payment.post``);
    False when the reference is taken (by a transaction that committed first: the insert waits for it), and
    then nothing is written."""
    params = {
        "reference": payment.reference_number,
        "account": payment.account_number,
        "accepted_at": accepted_at,
        "who": accepted_by,
        "value": value,
    }
    details = {
        "reference_number": payment.reference_number,
        "amount": format(payment.amount, "f"),
        "currency": payment.currency,
        "status": payment.status.value,
    }
    return await insert_with_audit(conn, _INSERT, params, details)

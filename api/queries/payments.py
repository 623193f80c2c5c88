"""Posting payments: the accepted-payments table (idempotency) and what the checks read."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import orjson
import psycopg
from psycopg.types.json import Jsonb

from contracts.payments import Payment


class AcceptedPayment(NamedTuple):
    value: dict  # the Payment as produced (JSON)
    account_number: str
    accepted_at: datetime


def find_accepted(conn: psycopg.Connection, reference_number: str) -> AcceptedPayment | None:
    row = conn.execute(
        "SELECT value, account_number, accepted_at FROM accepted_payments WHERE reference_number = %s",
        (reference_number,),
    ).fetchone()
    return AcceptedPayment(*row) if row else None


def insert_accepted(
    conn: psycopg.Connection, payment: Payment, accepted_at: datetime, accepted_by: str
) -> bool:
    """False when the reference is taken (by a transaction that committed first: the insert waits for it)."""
    row = conn.execute(
        "INSERT INTO accepted_payments (reference_number, account_number, accepted_at, accepted_by, value) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (reference_number) DO NOTHING RETURNING 1",
        (
            payment.reference_number,
            payment.account_number,
            accepted_at,
            accepted_by,
            Jsonb(orjson.loads(payment.model_dump_json())),
        ),
    ).fetchone()
    return row is not None


def loan_currency(conn: psycopg.Connection, account_number: str) -> str | None:
    """The loan's currency; None when the bank has not sent the loan (yet)."""
    row = conn.execute("SELECT currency FROM loans WHERE account_number = %s", (account_number,)).fetchone()
    return row[0] if row else None


def known_payment_account(conn: psycopg.Connection, reference_number: str) -> str | None:
    """The account of a payment received from the bank or posted here; None when neither knows it."""
    row = conn.execute(
        "SELECT account_number FROM payments WHERE reference_number = %s "
        "UNION ALL SELECT account_number FROM accepted_payments WHERE reference_number = %s LIMIT 1",
        (reference_number, reference_number),
    ).fetchone()
    return row[0] if row else None

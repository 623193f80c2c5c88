"""Reading a loan with its delinquency as of the latest business date."""

from __future__ import annotations

from datetime import date

import psycopg

from contracts.api import LoanPublic
from domain.buckets import bucket

LATEST_BUSINESS_DATE = "SELECT max(business_date) FROM loan_delinquency"  # one index lookup


def latest_business_date(conn: psycopg.Connection) -> date | None:
    """The latest business date the delinquency processor reached (None before the first)."""
    return conn.execute(LATEST_BUSINESS_DATE).fetchone()[0]


async def latest_business_date_async(conn: psycopg.AsyncConnection) -> date | None:
    """:func:`latest_business_date` on the event loop."""
    cursor = await conn.execute(LATEST_BUSINESS_DATE)
    return (await cursor.fetchone())[0]


def derived_dpd(today: date | None, oldest_unpaid_due: date | None, status: str) -> int:
    """A loan's DPD on ``today`` from its stored oldest unpaid due date (0 for a closed loan)."""
    if oldest_unpaid_due is None or today is None or status != "OPEN":
        return 0
    return max(0, (today - oldest_unpaid_due).days)


def get_loan(conn: psycopg.Connection, account_number: str) -> tuple[LoanPublic, str] | None:
    """The loan and its customer's cif, or None. DPD is derived for the latest business date (rows are
    rewritten when the bucket or an amount changes, not when only a day passes)."""
    row = conn.execute(
        "SELECT l.account_number, l.cif, l.product_type, l.currency, l.status, l.as_of, l.outstanding,"
        " d.overdue_amount, d.outstanding, d.oldest_unpaid_due, d.business_date"
        " FROM loans l LEFT JOIN loan_delinquency d USING (account_number) WHERE l.account_number = %s",
        (account_number,),
    ).fetchone()
    if row is None:
        return None
    (
        account,
        cif,
        product,
        currency,
        status,
        as_of,
        bank_outstanding,
        overdue,
        outstanding,
        oldest,
        written,
    ) = row
    today = latest_business_date(conn) or written
    dpd = derived_dpd(today, oldest, status)
    installments = conn.execute(
        "SELECT due_date, principal, interest, fees, penalty, paid FROM installments"
        " WHERE account_number = %s ORDER BY due_date",
        (account_number,),
    ).fetchall()
    loan = LoanPublic(
        account_number=account,
        cif=cif,
        product_type=product,
        currency=currency.strip(),
        status=status,
        dpd=dpd,
        bucket=bucket(dpd),
        overdue_amount=overdue if overdue is not None else 0,
        outstanding=outstanding if outstanding is not None else bank_outstanding,
        as_of=as_of,
        installments=[
            {"due_date": d, "principal": p, "interest": i, "fees": f, "penalty": pen, "paid": paid}
            for d, p, i, f, pen, paid in installments
        ],
    )
    return loan, cif

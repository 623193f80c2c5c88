"""The customers a draft strategy is previewed on, read from PostgreSQL in the forms the strategy
processor keeps (`processors.strategy.facts`), so the preview matches exactly as the processor would.

DPD is derived for the latest business date (business date − oldest unpaid due), as `GET /api/loans`
does, because a row's `dpd` is the value when it was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg

from api.queries.loans import derived_dpd
from contracts.actions import CEASE_COMMUNICATION
from domain.buckets import bucket
from domain.disputes import (
    ALL_DEBTS,
    DISPUTE_CLOSING_RESULTS,
    DISPUTE_RESULTS,
    paused_until,
    with_dated_dispute,
)

CHUNK = 5_000  # customers read per round trip


def delinquent_population(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM customer_delinquency").fetchone()[0]


def sample_cifs(conn: psycopg.Connection, size: int) -> list[str]:
    """``size`` customers with a delinquency record, spread evenly over the book (by a hash of the cif)."""
    rows = conn.execute("SELECT cif FROM customer_delinquency ORDER BY md5(cif) LIMIT %s", (size,)).fetchall()
    return [row[0] for row in rows]


def cease_requested_among(conn: psycopg.Connection, cifs: list[str]) -> set[str]:
    """Those of ``cifs`` with an action whose result is CEASE_COMMUNICATION (`customer.cease_requested`)."""
    rows = conn.execute(
        "SELECT DISTINCT cif FROM actions WHERE cif = ANY(%s) AND result = %s", (cifs, CEASE_COMMUNICATION)
    )
    return {cif for (cif,) in rows}


def disputed_among(conn: psycopg.Connection, cifs: list[str], today: date) -> set[str]:
    """Those of ``cifs`` whom an open dispute pauses on ``today`` (`customer.dispute_open`): their disputes
    and resolutions folded as the strategy processor folds them (`domain.disputes`)."""
    disputes: dict[str, dict] = {}
    # an action's day in its own offset (migration 0027; its UTC day for rows stored before it)
    for cif, account, result, at, day in conn.execute(
        "SELECT cif, account_number, result, at, coalesce(day, (at AT TIME ZONE 'UTC')::date) FROM actions "
        "WHERE cif = ANY(%s) AND result = ANY(%s)",
        (cifs, sorted(DISPUTE_RESULTS | DISPUTE_CLOSING_RESULTS)),
    ):
        opened = result in DISPUTE_RESULTS
        disputes[cif] = with_dated_dispute(
            disputes.get(cif, {}), account or ALL_DEBTS, at, day, opened=opened
        )
    return {cif for cif, known in disputes.items() if (until := paused_until(known)) and until > today}


def stored_forms(conn: psycopg.Connection, cifs: list[str], today: date) -> Iterator[tuple]:
    """(cif, customer, delinquency, promises, case, cease requested, dispute open) per customer, as
    `processors.strategy.facts.customer_facts` takes them."""
    for start in range(0, len(cifs), CHUNK):
        chunk = cifs[start : start + CHUNK]
        customers = {
            row[0]: {
                "type": row[1],
                "segment": row[2],
                "status": row[3],
                "timezone": row[4],
                "date_of_birth": row[5].isoformat() if row[5] else None,
            }
            for row in conn.execute(
                "SELECT cif, type, segment, status, timezone, date_of_birth FROM customers "
                "WHERE cif = ANY(%s)",
                (chunk,),
            )
        }
        totals = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                "SELECT cif, overdue_total, outstanding_total FROM customer_delinquency WHERE cif = ANY(%s)",
                (chunk,),
            )
        }
        accounts: dict[str, list[dict]] = {}
        for row in conn.execute(
            "SELECT d.cif, d.account_number, l.product_type, d.currency, d.oldest_unpaid_due, "
            "d.overdue_amount, d.outstanding, l.custom_fields, l.status FROM loan_delinquency d "
            "JOIN loans l USING (account_number) WHERE d.cif = ANY(%s)",
            (chunk,),
        ):
            cif, account, product, currency, oldest_unpaid, overdue, outstanding, custom, status = row
            dpd = derived_dpd(today, oldest_unpaid, status)
            accounts.setdefault(cif, []).append(
                {
                    "account_number": account,
                    "product_type": product,
                    "currency": currency,
                    "dpd": dpd,
                    "bucket": bucket(dpd),
                    "overdue_amount": str(overdue),
                    "outstanding": str(outstanding),
                    "custom_fields": custom or {},
                    "status": status,
                }
            )
        promises: dict[str, dict[str, str]] = {}
        for cif, promise_id, status in conn.execute(
            "SELECT cif, action_id, status FROM promises WHERE cif = ANY(%s)", (chunk,)
        ):
            promises.setdefault(cif, {})[promise_id] = status
        cases = {
            cif: {"state": state, "substate": substate, "recovery_ability": ability}
            for cif, state, substate, ability in conn.execute(
                "SELECT cif, state, substate, recovery_ability FROM cases WHERE cif = ANY(%s)", (chunk,)
            )
        }
        ceased = cease_requested_among(conn, chunk)
        disputed = disputed_among(conn, chunk, today)
        for cif in chunk:
            loans = accounts.get(cif, [])
            worst = max((loan["dpd"] for loan in loans), default=0)
            overdue_total, outstanding_total = totals.get(cif, ({}, {}))
            delinquency = {
                "max_dpd": worst,
                "bucket": bucket(worst),
                "overdue_total": overdue_total,
                "outstanding_total": outstanding_total,
                "loans_delinquent": sum(1 for loan in loans if loan["dpd"] > 0),
                "accounts": loans,
            }
            yield (
                cif,
                customers.get(cif),
                delinquency,
                promises.get(cif, {}),
                cases.get(cif),
                cif in ceased,
                cif in disputed,
            )

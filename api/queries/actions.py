"""Recording actions: the accepted-actions table (idempotency, recent history) and what the checks read.

A recording is three round trips on one connection, run on the event loop: the transaction's start, the
customer's lock and everything the checks read (:func:`locked_checks`); the accepted row with its audit line
(:func:`insert_accepted`); the commit, once Kafka has confirmed.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import psycopg

from api.queries.audit import audited_insert, insert_with_audit
from api.visibility import CUSTOMER_VISIBLE, Scope, visibility_parameters
from contracts.actions import AgentAction

RECENT_LIMIT = 200  # a bound on one customer's recent actions read per check (a runaway client's flood)


class AcceptedAction(NamedTuple):
    value: dict  # the AgentAction as produced (JSON)
    accepted_at: datetime


class CustomerFacts(NamedTuple):
    timezone: str | None
    visible: bool  # to the caller (api.visibility)


class Checks(NamedTuple):
    """What the checks read, under the customer's lock."""

    accepted: AcceptedAction | None  # this action id, already accepted
    customer: CustomerFacts | None  # None: the bank never sent the customer
    loan_of_customer: bool  # the action's account is a loan of the customer (True without an account)
    recent: list[dict]  # the customer's recently accepted actions, when asked for (newest first)


# BEGIN, the customer's lock (serialising recorded actions of one customer until the transaction ends, so
# that two calls posted at once are checked one after the other), then the reads: separate statements, so
# each read's snapshot is taken after the lock and sees what an earlier holder committed.
_LOCKED_CHECKS = f"""
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended('action:' || %(cif)s, 0));
SELECT accepted.value, accepted.accepted_at, c.cif IS NOT NULL, c.timezone,
       %(account)s::text IS NULL OR EXISTS
           (SELECT 1 FROM loans l WHERE l.account_number = %(account)s AND l.cif = %(cif)s),
       {CUSTOMER_VISIBLE}
FROM (SELECT) AS one
LEFT JOIN accepted_actions accepted ON accepted.action_id = %(action_id)s
LEFT JOIN customers c ON c.cif = %(cif)s;
SELECT value FROM accepted_actions
WHERE %(recent_since)s::timestamptz IS NOT NULL AND cif = %(cif)s AND at BETWEEN %(recent_since)s AND %(at)s
ORDER BY at DESC LIMIT {RECENT_LIMIT}"""


async def locked_checks(
    conn: psycopg.AsyncConnection, action: AgentAction, scope: Scope, recent_since: datetime | None
) -> Checks:
    """Begin a transaction, take the customer's lock and read this action id's accepted row, the
    customer's zone and visibility, whether the account is theirs and, from ``recent_since``, their recent
    actions: one round trip (several statements in one simple query, so the parameters are bound here, by
    psycopg's quoting). The caller commits or rolls back; the lock lasts until then."""
    cursor = psycopg.AsyncClientCursor(conn)
    await cursor.execute(
        _LOCKED_CHECKS,
        {
            "action_id": action.action_id,
            "cif": action.cif,
            "account": action.account_number,
            "recent_since": recent_since,
            "at": action.at,
            **visibility_parameters(scope),
        },
    )
    cursor.nextset()  # past BEGIN
    cursor.nextset()  # past the lock
    row = await cursor.fetchone()
    assert row is not None  # one row, always
    cursor.nextset()
    recent = [recent_row[0] for recent_row in await cursor.fetchall()]
    value, accepted_at, known, timezone, loan_of_customer, visible = row
    return Checks(
        AcceptedAction(value, accepted_at) if value is not None else None,
        CustomerFacts(timezone, visible) if known else None,
        loan_of_customer,
        recent,
    )


async def find_accepted(conn: psycopg.AsyncConnection, action_id: str) -> AcceptedAction | None:
    cursor = await conn.execute(
        "SELECT value, accepted_at FROM accepted_actions WHERE action_id = %s", (action_id,)
    )
    row = await cursor.fetchone()
    return AcceptedAction(*row) if row else None


# The row and its audit line in one statement: the audit line only when the row was inserted.
_INSERT = audited_insert(
    "INSERT INTO accepted_actions (action_id, cif, agent_id, at, accepted_at, accepted_by, value) "
    "VALUES (%(action_id)s, %(cif)s, %(agent_id)s, %(at)s, %(accepted_at)s, %(who)s, %(value)s::jsonb) "
    "ON CONFLICT (action_id) DO NOTHING RETURNING 1",
    "action.record",
    "'customer:' || %(cif)s",
)


async def insert_accepted(
    conn: psycopg.AsyncConnection, action: AgentAction, value: str, accepted_at: datetime, accepted_by: str
) -> bool:
    """Store the accepted action (``value``: its JSON as produced) and its audit line (``action.record``);
    False when the id is taken (by a transaction that committed first: the insert waits for it), and then
    nothing is written."""
    params = {
        "action_id": action.action_id,
        "cif": action.cif,
        "agent_id": action.agent_id,
        "at": action.at,
        "accepted_at": accepted_at,
        "who": accepted_by,
        "value": value,
    }
    details = {
        "action_id": action.action_id,
        "agent_id": action.agent_id,
        "type": action.type,
        "result": action.result,
    }
    return await insert_with_audit(conn, _INSERT, params, details)

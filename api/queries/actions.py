"""Recording actions: the accepted-actions table (idempotency, recent history) and what the checks read."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import orjson
import psycopg
from psycopg.types.json import Jsonb

from contracts.actions import AgentAction

RECENT_LIMIT = 200  # a bound on one customer's recent actions read per check (a runaway client's flood)


class AcceptedAction(NamedTuple):
    value: dict  # the AgentAction as produced (JSON)
    accepted_at: datetime


class CustomerFacts(NamedTuple):
    timezone: str | None


def find_accepted(conn: psycopg.Connection, action_id: str) -> AcceptedAction | None:
    row = conn.execute(
        "SELECT value, accepted_at FROM accepted_actions WHERE action_id = %s", (action_id,)
    ).fetchone()
    return AcceptedAction(*row) if row else None


def insert_accepted(
    conn: psycopg.Connection, action: AgentAction, accepted_at: datetime, accepted_by: str
) -> bool:
    """False when the id is taken (by a transaction that committed first: the insert waits for it)."""
    row = conn.execute(
        "INSERT INTO accepted_actions (action_id, cif, agent_id, at, accepted_at, accepted_by, value) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (action_id) DO NOTHING RETURNING 1",
        (
            action.action_id,
            action.cif,
            action.agent_id,
            action.at,
            accepted_at,
            accepted_by,
            Jsonb(orjson.loads(action.model_dump_json())),
        ),
    ).fetchone()
    return row is not None


class Prechecks(NamedTuple):
    """What the checks before the transaction read, in one round trip."""

    accepted: AcceptedAction | None  # this action id, already accepted
    customer: CustomerFacts | None  # None: the bank never sent the customer
    loan_of_customer: bool  # the action's account is a loan of the customer (True without an account)


def prechecks(conn: psycopg.Connection, action: AgentAction) -> Prechecks:
    """The accepted action of this id (as :func:`find_accepted`), the customer's zone, and whether the
    action's account is one of the customer's loans: one statement, one round trip."""
    row = conn.execute(
        "SELECT a.value, a.accepted_at, c.cif IS NOT NULL, c.timezone, "
        "  %(account)s::text IS NULL OR EXISTS "
        "    (SELECT 1 FROM loans l WHERE l.account_number = %(account)s AND l.cif = %(cif)s) "
        "FROM (SELECT) AS one "
        "LEFT JOIN accepted_actions a ON a.action_id = %(action_id)s "
        "LEFT JOIN customers c ON c.cif = %(cif)s",
        {"action_id": action.action_id, "cif": action.cif, "account": action.account_number},
    ).fetchone()
    assert row is not None  # one row, always
    value, accepted_at, known, timezone, loan_of_customer = row
    return Prechecks(
        AcceptedAction(value, accepted_at) if value is not None else None,
        CustomerFacts(timezone) if known else None,
        loan_of_customer,
    )


def lock_customer(conn: psycopg.Connection, cif: str) -> None:
    """Serialise recorded actions of one customer until the transaction ends, so two calls posted at once
    are checked one after the other (the second sees the first among the recent actions)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"action:{cif}",))


def recent_accepted(conn: psycopg.Connection, cif: str, since: datetime, until: datetime) -> list[dict]:
    """The customer's actions accepted here with ``since <= at <= until``, newest first (bounded)."""
    rows = conn.execute(
        "SELECT value FROM accepted_actions WHERE cif = %s AND at BETWEEN %s AND %s "
        "ORDER BY at DESC LIMIT %s",
        (cif, since, until, RECENT_LIMIT),
    ).fetchall()
    return [row[0] for row in rows]

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


def customer_facts(conn: psycopg.Connection, cif: str) -> CustomerFacts | None:
    """None when the bank never sent the customer."""
    row = conn.execute("SELECT timezone FROM customers WHERE cif = %s", (cif,)).fetchone()
    return CustomerFacts(*row) if row else None


def is_loan_of(conn: psycopg.Connection, account_number: str, cif: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM loans WHERE account_number = %s AND cif = %s", (account_number, cif)
    ).fetchone()
    return row is not None


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

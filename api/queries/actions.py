"""Recording actions: the accepted-actions table (idempotency, recent history) and what the checks read.

A recording is three round trips on one connection, run on the event loop: the transaction's start, the
customer's lock and everything the checks read (:func:`locked_checks`, migration 0018's function); the
accepted row with its audit line (:func:`insert_accepted`); the commit, once Kafka has confirmed.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import psycopg

from api.queries.audit import audited_insert, insert_with_audit
from api.visibility import Scope, visibility_parameters
from contracts.actions import AgentAction


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
    # the customer's recently accepted actions, when asked for (newest first; at most 200, a bound on what a
    # runaway client's flood makes one check read)
    recent: list[dict]
    # for a promise, the currencies it is in: the named loan's, else all the customer's loans' (sorted)
    promise_currencies: list[str]


# BEGIN, then migration 0018's function (0029 added the promise's currencies): the customer's lock (held
# until the transaction ends, so that two calls posted at once are checked one after the other) and every
# read the checks need, each after the lock. One simple query, its parameters bound here by psycopg's
# quoting; the function keeps its plans.
_LOCKED_CHECKS = """
BEGIN;
SELECT * FROM action_checks(%(action_id)s, %(cif)s, %(account)s, %(recent_since)s, %(at)s,
                            %(see_everything)s, %(see_agent)s, %(see_team)s, %(with_promise)s)"""


async def locked_checks(
    conn: psycopg.AsyncConnection, action: AgentAction, scope: Scope, recent_since: datetime | None
) -> Checks:
    """Begin a transaction, take the customer's lock and read this action id's accepted row, the
    customer's zone and visibility, whether the account is theirs, from ``recent_since`` their recent
    actions and, for a promise, the currencies it is in: one round trip. The caller commits or rolls back;
    the lock lasts until then."""
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
            "with_promise": action.promise is not None,
        },
    )
    cursor.nextset()  # past BEGIN
    row = await cursor.fetchone()
    assert row is not None  # one row, always
    value, accepted_at, known, timezone, loan_of_customer, visible, recent, currencies = row
    return Checks(
        AcceptedAction(value, accepted_at) if value is not None else None,
        CustomerFacts(timezone, visible) if known else None,
        loan_of_customer,
        recent,
        currencies,
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

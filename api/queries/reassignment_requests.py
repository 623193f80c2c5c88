"""Supervisors' reassignments as asked (migration 0025) and what the allocation processor made of each."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from contracts.reassignments import Reassignment, ReassignmentStatus

_INSERT = """
INSERT INTO reassignment_requests
    (override_id, cif, team, agent_type, agent_id, from_agent_id, episode, requested_by, requested_at, note)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
# A request without a decision is pending; the decision's own agent_id is the request's.
_STATUS = """
SELECT r.override_id, r.cif, r.team, r.agent_type, r.agent_id, r.from_agent_id, r.episode, r.requested_by,
       r.requested_at, r.note, coalesce(d.outcome, 'PENDING') AS outcome, d.reason, d.business_date,
       d.decided_at
FROM reassignment_requests r LEFT JOIN reassignment_decisions d USING (override_id)"""
# Team supervisors see their team's (%(team)s NULL: every team's).
_OF_CUSTOMER = f"""{_STATUS}
WHERE r.cif = %(cif)s AND (%(team)s::text IS NULL OR r.team = %(team)s)
ORDER BY r.requested_at DESC, r.override_id DESC
LIMIT %(limit)s"""
_BY_ID = f"""{_STATUS}
WHERE r.override_id = ANY(%(ids)s) AND (%(team)s::text IS NULL OR r.team = %(team)s)"""


def record(conn: psycopg.Connection, overrides: list[Reassignment]) -> None:
    """Keep the reassignments as asked (in the caller's transaction, with their audit rows)."""
    rows = [
        (o.override_id, o.cif, o.team, o.agent_type, o.agent_id, o.from_agent_id)
        + (o.episode, o.requested_by, o.requested_at, o.note)
        for o in overrides
    ]
    with conn.cursor() as cursor:
        cursor.executemany(_INSERT, rows)


def of_customer(conn: psycopg.Connection, cif: str, team: str | None, limit: int) -> list[ReassignmentStatus]:
    """The customer's reassignments, newest first (a team's only, when ``team`` is given)."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_OF_CUSTOMER, {"cif": cif, "team": team, "limit": limit}).fetchall()
    return [ReassignmentStatus.model_validate(row) for row in rows]


def by_id(conn: psycopg.Connection, override_ids: list[str], team: str | None) -> list[ReassignmentStatus]:
    """The reassignments asked for that exist (a team's only, when ``team`` is given), in the order asked."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_BY_ID, {"ids": override_ids, "team": team}).fetchall()
    found = {row["override_id"]: ReassignmentStatus.model_validate(row) for row in rows}
    return [found[i] for i in dict.fromkeys(override_ids) if i in found]

"""The audit trail: one row per write (and per read of a customer's 360 view), in the caller's transaction."""

from __future__ import annotations

from typing import Any, LiteralString

import psycopg
from psycopg.types.json import Jsonb


def record(
    conn: psycopg.Connection, who: str, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    conn.execute(
        "INSERT INTO audit_log (who, action, target, details) VALUES (%s, %s, %s, %s)",
        (who, action, target, Jsonb(details or {})),
    )


def audited_insert(insert: LiteralString, action: LiteralString, target: LiteralString) -> LiteralString:
    """One statement: ``insert`` (an ``INSERT ... ON CONFLICT DO NOTHING RETURNING 1``) and, only when it
    inserted, the audit line ``action`` on ``target`` (SQL, e.g. ``'customer:' || %(cif)s``) by ``%(who)s``
    with ``%(details)s``; its one row counts the rows inserted."""
    return f"""
WITH inserted AS ({insert}), audited AS (
    INSERT INTO audit_log (who, action, target, details)
    SELECT %(who)s, '{action}', {target}, %(details)s FROM inserted
)
SELECT count(*) FROM inserted"""


async def insert_with_audit(
    conn: psycopg.AsyncConnection, statement: LiteralString, params: dict[str, Any], details: dict[str, Any]
) -> bool:
    """Run an :func:`audited_insert` statement; whether it inserted (and so audited)."""
    cursor = await conn.execute(statement, {**params, "details": Jsonb(details)})
    row = await cursor.fetchone()
    return row is not None and row[0] == 1

"""One writer at a time for a thing that may have no row to lock yet (its first save)."""

from __future__ import annotations

import psycopg


def hold_until_commit(conn: psycopg.Connection, key: str) -> None:
    """Take the transaction-scoped advisory lock named ``key`` (e.g. ``case:C-1``): a concurrent
    transaction asking for the same key waits until this one ends. ``hashtext`` of the text, as every
    caller used before this helper, so the lock keys are unchanged across a rolling upgrade."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))

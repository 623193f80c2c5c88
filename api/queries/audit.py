"""The audit trail: one row per write (and per read of a customer's 360 view), in the caller's transaction."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def record(
    conn: psycopg.Connection, who: str, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    conn.execute(
        "INSERT INTO audit_log (who, action, target, details) VALUES (%s, %s, %s, %s)",
        (who, action, target, Jsonb(details or {})),
    )

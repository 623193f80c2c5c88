"""Where promises land in PostgreSQL (table in migration 0005): one row per promise, its latest status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.settings import Settings
from sinks.postgres import PostgresUpsertSink, UpsertSpec

PROMISES = UpsertSpec(
    "promises",
    (
        "action_id",
        "cif",
        "account_number",
        "agent_id",
        "made_on",
        "due_date",
        "amount",
        "status",
        "paid",
        "evaluated_on",
    ),
    key=("action_id",),
    # The processor emits a promise's changes in order on its customer's partition, so the last write wins;
    # a re-delivered batch after a crash re-writes the same rows in the same order.
)


def promise_rows(v: dict) -> list[tuple]:
    if getattr(v, "topic", "promises") != "promises":
        return []  # a dead letter on the same stream
    return [
        (
            v["action_id"],
            v["cif"],
            v["account_number"],
            v["agent_id"],
            date.fromisoformat(v["made_on"]),
            date.fromisoformat(v["date"]),
            Decimal(v["amount"]),
            v["status"],
            Decimal(v["paid"]),
            date.fromisoformat(v["evaluated_on"]),
        )
    ]


def promise_sink(settings: Settings) -> PostgresUpsertSink:
    return PostgresUpsertSink(settings.database_url, (PROMISES, promise_rows))

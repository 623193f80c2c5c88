"""Where the promises processor writes in PostgreSQL: the ``promises`` table (migration 0005), one row per
promise with its latest status, and the ``actions`` table (migration 0011), one row per valid action
(with its day in its own offset, migration 0027)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from psycopg.types.json import Jsonb

from crm.settings import Settings
from sinks.postgres import PostgresUpsertSink, UpsertSpec

# The logical name of the records that only go to the actions table (never produced to a topic).
ACTION_ROWS = "actions"

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
        "settled_on",
    ),
    key=("action_id",),
    # The processor emits a promise's changes in order on its customer's partition, and the sink's one batch
    # per checkpoint keeps that order across its merged input topics (sinks/batching.py), so the last write
    # wins; a re-delivered batch after a crash re-writes the same rows in the same order.
)

ACTIONS = UpsertSpec(
    "actions",
    (
        "action_id",
        "cif",
        "account_number",
        "agent_id",
        "type",
        "subtype",
        "result",
        "at",
        "notes",
        "promise_date",
        "promise_amount",
        "follow_up_date",
        "contact",
        "visit",
        "day",
    ),
    key=("action_id",),
    # An action is a fact: a redelivered or replayed one rewrites the same values.
)


def promise_rows(v: dict) -> list[tuple]:
    if getattr(v, "topic", "promises") != "promises":
        return []  # a dead letter or an action row on the same stream
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
            date.fromisoformat(v["settled_on"]) if v.get("settled_on") else None,
        )
    ]


def action_rows(v: dict) -> list[tuple]:
    """The row of a validated action (``AgentAction.model_dump()``: dates, Decimals and enums as Python
    objects, never serialised on the way here)."""
    if getattr(v, "topic", None) != ACTION_ROWS:
        return []
    promise, contact, visit = v.get("promise"), v.get("contact"), v.get("visit")
    return [
        (
            v["action_id"],
            v["cif"],
            v.get("account_number"),
            v["agent_id"],
            v["type"],
            v["subtype"],
            v["result"],
            v["at"],
            v.get("notes"),
            promise["date"] if promise else None,
            promise["amount"] if promise else None,
            v.get("follow_up_date"),
            Jsonb({"channel": str(contact["channel"]), "number": contact["number"]}) if contact else None,
            Jsonb(visit) if visit else None,
            v["at"].date(),  # in the action's own offset, as the queue counts its days
        )
    ]


def promise_sink(settings: Settings) -> PostgresUpsertSink:
    """Both tables in one transaction per checkpoint."""
    return PostgresUpsertSink(settings.database_url, (PROMISES, promise_rows), (ACTIONS, action_rows))

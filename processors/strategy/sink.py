"""Where strategy assignments land in PostgreSQL (migration 0007): one row per customer, current campaigns."""

from __future__ import annotations

from datetime import date

from psycopg.types.json import Jsonb

from crm.settings import Settings
from processors.strategy.logic import ASSIGNMENTS
from sinks.postgres import PostgresUpsertSink, UpsertSpec

STRATEGY_ASSIGNMENTS = UpsertSpec(
    "strategy_assignments",
    ("cif", "strategy_id", "strategy_version", "business_date", "campaign_ids", "campaigns", "delinquent"),
    key=("cif",),
    # Last write wins: a customer's records come in order on its partition, the sink's one batch per
    # checkpoint keeps that order across the merged input topics (sinks/batching.py), and a redelivered
    # batch after a crash rewrites the same rows in the same order.
)


def assignment_rows(v: dict) -> list[tuple]:
    if getattr(v, "topic", ASSIGNMENTS) != ASSIGNMENTS:
        return []  # a re-evaluation's continuation, routed to the processor itself
    return [
        (
            v["cif"],
            v["strategy_id"],
            v["strategy_version"],
            date.fromisoformat(v["business_date"]) if v.get("business_date") else None,
            [c["campaign_id"] for c in v["campaigns"]],
            Jsonb(v["campaigns"]),
            v["delinquent"],
        )
    ]


def assignment_sink(settings: Settings) -> PostgresUpsertSink:
    return PostgresUpsertSink(settings.database_url, (STRATEGY_ASSIGNMENTS, assignment_rows))

"""Where the delinquency processor's outputs land in PostgreSQL (tables in migration 0002)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.settings import Settings
from sinks.postgres import PostgresUpsertSink, UpsertSpec

LOANS_TOPIC, TRANSITIONS_TOPIC = "delinquency.loans", "delinquency.transitions"

LOAN_DELINQUENCY = UpsertSpec(
    "loan_delinquency",
    (
        "account_number",
        "cif",
        "currency",
        "business_date",
        "dpd",
        "bucket",
        "overdue_amount",
        "outstanding",
        "oldest_unpaid_due",
        "next_event",
        "revision",
    ),
    key=("account_number",),
    version="revision",  # a re-delivered older record never overwrites a newer one
)
TRANSITIONS = UpsertSpec(
    "delinquency_transitions",
    ("account_number", "revision", "cif", "business_date", "from_bucket", "to_bucket", "kind", "dpd"),
    key=("account_number", "revision"),
)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def loan_rows(v: dict) -> list[tuple]:
    if getattr(v, "topic", LOANS_TOPIC) != LOANS_TOPIC or v.get("departed"):
        return []  # another topic's, or the record a loan left its former customer with (the roll-up's)
    return [
        (
            v["account_number"],
            v["cif"],
            v["currency"],
            date.fromisoformat(v["business_date"]),
            v["dpd"],
            v["bucket"],
            Decimal(v["overdue_amount"]),
            Decimal(v["outstanding"]),
            _day(v["oldest_unpaid_due"]),
            _day(v["next_event"]),
            v["revision"],
        )
    ]


def transition_rows(v: dict) -> list[tuple]:
    if getattr(v, "topic", TRANSITIONS_TOPIC) != TRANSITIONS_TOPIC:
        return []
    return [
        (
            v["account_number"],
            v["revision"],
            v["cif"],
            date.fromisoformat(v["business_date"]),
            v["from_bucket"],
            v["to_bucket"],
            v["kind"],
            v["dpd"],
        )
    ]


def delinquency_sink(settings: Settings) -> PostgresUpsertSink:
    """Both tables from the processor's routed outputs (each picks the records of its topic), in one
    transaction per checkpoint."""
    return PostgresUpsertSink(
        settings.database_url, (LOAN_DELINQUENCY, loan_rows), (TRANSITIONS, transition_rows)
    )

"""Wiring of the delinquency processor: topics in, the rules of ``logic.py``, topics and tables out.

ops.business-date ──fan-out──> delinquency.ticks ─┐
bank.loans ───────────────────────────────────────┼─> logic ─> delinquency.loans ─> loan_delinquency
payments ─────────────────────────────────────────┘        └─> delinquency.transitions ─> transitions
(bad values ─> <topic>.dlq)
"""

from __future__ import annotations

import logging
import time
from datetime import date

from pydantic import ValidationError
from quixstreams import message_context

from contracts import BusinessDate
from contracts.errors import describe
from crm.settings import Settings
from domain.errors import DomainError
from processors.common.app import (
    make_application,
    partition_state_access,
    registry_topic,
    without_time_alignment,
)
from processors.common.dead_letters import dead_letter_for_current
from processors.common.partitioning import broadcast_keys
from processors.delinquency import logic
from processors.delinquency.parsing import payment_from, snapshot_from
from processors.delinquency.sinks import loan_sink, transition_sink
from topics import physical_name

log = logging.getLogger(__name__)
NAME = "delinquency"
TICK_KEY_PREFIX = "tick-"


def _dead(topic: str, key, value, error: str, error_type: str) -> tuple[str, str, dict]:
    """An output that sends the message to its topic's dead-letter twin, in the same transaction."""
    return f"{topic}.dlq", key or "", dead_letter_for_current(topic, key, value, error, error_type, NAME)


def build(settings: Settings):
    app = make_application(settings, NAME)
    topic = {name: registry_topic(app, settings, name, value="bytes") for name in ("bank.loans", "payments")}
    dates = registry_topic(app, settings, "ops.business-date", value="bytes")
    ticks = registry_topic(app, settings, "delinquency.ticks")
    outputs = {
        name: registry_topic(app, settings, name) for name in (logic.LOANS, logic.TRANSITIONS, logic.PAYMENTS)
    }
    for source in ("bank.loans", "payments", "ops.business-date"):
        outputs[f"{source}.dlq"] = registry_topic(app, settings, f"{source}.dlq")
    logical = {
        physical_name(name, settings): name for name in ("bank.loans", "payments", "delinquency.ticks")
    }
    partitions = settings.topic_partitions

    # 1. The business date, broadcast: one tick per partition of the loan topics, keyed to land there.
    def fan_out(value: bytes, key, _timestamp, _headers):
        try:
            tick = BusinessDate.model_validate_json(value)
        except ValidationError as error:
            return [_dead("ops.business-date", key, value, describe(error), "ValidationError")]
        day = tick.date.isoformat()
        return [
            ("delinquency.ticks", k, {"date": day, "bank": tick.bank, "partition_key": k})
            for k in broadcast_keys(TICK_KEY_PREFIX, partitions)
        ]

    date_outputs = {"delinquency.ticks": ticks, "ops.business-date.dlq": outputs["ops.business-date.dlq"]}
    _route(app.dataframe(dates).apply(fan_out, metadata=True, expand=True), date_outputs)

    # 2. Loans, payments and ticks, co-partitioned by account, through one state store.
    merged = (
        app.dataframe(topic["bank.loans"])
        .concat(app.dataframe(topic["payments"]))
        .concat(app.dataframe(ticks))
    )
    state_access = partition_state_access(merged)

    def handle(value, key, _timestamp, _headers):
        source = logical[message_context().topic]
        state_of = state_access()
        try:
            if source == "bank.loans":
                return logic.on_snapshot(state_of, snapshot_from(value))
            if source == "payments":
                account, event = payment_from(value)
                return logic.on_payment(state_of, account, event)
            started = time.perf_counter()
            outputs = logic.on_business_date(state_of, date.fromisoformat(value["date"]))
            log.info(
                "business date reached",
                extra={
                    "date": value["date"],
                    "partition": message_context().partition,
                    "changed": len(outputs),
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
            return outputs
        except ValidationError as error:
            return [_dead(source, key, value, describe(error), "ValidationError")]
        except DomainError as error:
            return [_dead(source, key, value, str(error), type(error).__name__)]

    results = merged.apply(handle, metadata=True, expand=True)
    branches = _route(results, {k: v for k, v in outputs.items() if k != "ops.business-date.dlq"})
    branches[logic.LOANS].sink(loan_sink(settings))
    branches[logic.TRANSITIONS].sink(transition_sink(settings))
    without_time_alignment(app)
    return app


def _route(stream, topics: dict) -> dict:
    """Send each (topic, key, value) output to its topic; returns the value branch of each topic."""
    branches = {}
    for name, out_topic in topics.items():
        branch = stream.filter(lambda item, n=name: item[0] == n).apply(lambda item: item[2])
        branch.to_topic(out_topic, key=KEYS.get(name, _dead_letter_key))
        branches[name] = branch
    return branches


# Quix's `to_topic` takes the key from the value, so each output topic names the field that carries it.
KEYS = {
    logic.LOANS: lambda value: value["account_number"],
    logic.TRANSITIONS: lambda value: value["account_number"],
    logic.PAYMENTS: lambda value: value["cif"],
    "delinquency.ticks": lambda value: value["partition_key"],
}


def _dead_letter_key(letter: dict) -> str:
    return letter.get("key") or ""


def run(settings: Settings) -> None:
    build(settings).run()

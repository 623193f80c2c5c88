"""Wiring of the delinquency processor: topics in, the rules of ``logic.py``, topics and tables out.

ops.business-date ──fan-out──> delinquency.ticks ─┐
bank.loans ───────────────────────────────────────┼─> logic ─> delinquency.loans ─> loan_delinquency
payments ─────────────────────────────────────────┘        └─> delinquency.transitions ─> transitions
(bad values ─> <topic>.dlq; a tick with more loans to age than one message may take
(`CRM_DELINQUENCY_TICK_CHUNK`) is sent again to delinquency.ticks, keyed to the same partition, until they
are all aged)
"""

from __future__ import annotations

import logging
import time
from datetime import date

from pydantic import ValidationError
from quixstreams import message_context

from contracts import BusinessDate
from contracts.common import under_key
from crm.settings import Settings
from domain.business_date import advance
from domain.errors import DomainError
from processors.common.app import (
    make_application,
    partition_state_access,
    registry_topic,
    without_time_alignment,
)
from processors.common.dead_letters import dead_letter_for_error
from processors.common.metrics import record_business_date
from processors.common.partitioning import broadcast_keys
from processors.common.routing import Routed, route
from processors.delinquency import logic
from processors.delinquency.parsing import payment_from, snapshot_from
from processors.delinquency.sinks import delinquency_sink
from topics import physical_name

log = logging.getLogger(__name__)
NAME = "delinquency"
LATEST_DATES = "__latest_dates__"  # the dates' store: bank → the latest business date accepted
TICK_KEY_PREFIX = "tick-"


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

    # 1. The business date, broadcast: one tick per partition of the loan topics, keyed to land there. The
    # latest date per bank is kept (the topic's one partition) to refuse a date too far after it.
    dates_stream = app.dataframe(dates)
    dates_state = partition_state_access(dates_stream)

    def fan_out(value: bytes, key, _timestamp, _headers):
        try:
            tick = BusinessDate.model_validate_json(value)
            latest_dates = dates_state()(LATEST_DATES)
            known = latest_dates.get(tick.bank)
            latest = advance(
                date.fromisoformat(known) if known else None, tick.date, settings.business_date_max_step_days
            )
        except (ValidationError, DomainError) as error:
            return [dead_letter_for_error("ops.business-date", key, value, error, NAME)]
        if latest.isoformat() != known:
            latest_dates.set(tick.bank, latest.isoformat())
        record_business_date(NAME, tick.bank, tick.date)
        day = tick.date.isoformat()
        return [
            ("delinquency.ticks", k, {"date": day, "bank": tick.bank, "partition_key": k})
            for k in broadcast_keys(TICK_KEY_PREFIX, partitions)
        ]

    date_outputs = {"delinquency.ticks": ticks, "ops.business-date.dlq": outputs["ops.business-date.dlq"]}
    fanned = dates_stream.apply(
        lambda *args: [Routed(*out) for out in fan_out(*args)], metadata=True, expand=True
    )
    route(fanned, date_outputs)

    # 2. Loans, payments and ticks, co-partitioned by account, through one state store.
    merged = (
        app.dataframe(topic["bank.loans"])
        .concat(app.dataframe(topic["payments"]))
        .concat(app.dataframe(ticks))
    )
    state_access = partition_state_access(merged)

    def handle(value, key, timestamp, _headers):
        source = logical[message_context().topic]
        state_of = state_access()
        try:
            if source == "bank.loans":
                return logic.on_snapshot(state_of, snapshot_from(value, under_key(key, timestamp)))
            if source == "payments":
                account, event = payment_from(value, under_key(key))
                return logic.on_payment(state_of, account, event)
            started = time.perf_counter()
            day = date.fromisoformat(value["date"])
            outputs, done = logic.on_business_date(state_of, day, settings.delinquency_tick_chunk)
            log.info(
                "business date reached" if done else "loans aged towards the business date",
                extra={
                    "date": state_of(logic.PARTITION).get("date"),
                    "partition": message_context().partition,
                    "changed": len(outputs),
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
            if not done:  # the rest in the next message, and so in a transaction of its own
                outputs.append(("delinquency.ticks", key, value))
            return outputs
        except (ValidationError, DomainError) as error:
            return [dead_letter_for_error(source, key, value, error, NAME)]

    routed = merged.apply(
        lambda value, key, ts, headers: [Routed(*out) for out in handle(value, key, ts, headers)],
        metadata=True,
        expand=True,
    )
    route(
        routed,
        {**{k: v for k, v in outputs.items() if k != "ops.business-date.dlq"}, "delinquency.ticks": ticks},
    )
    routed.sink(delinquency_sink(settings))
    without_time_alignment(app)
    return app


def run(settings: Settings) -> None:
    build(settings).run()

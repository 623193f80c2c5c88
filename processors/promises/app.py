"""Wiring of the promises processor.

agent.actions ─────────┐
delinquency.payments ──┼─> logic ─> promises ─> promises table
delinquency.ticks ─────┘      (bad actions ─> agent.actions.dlq; valid actions ─> actions table)

All three topics are co-partitioned by cif (the ticks are keyed to land on every partition). This is the
processor that checks `agent.actions` against its contract, so it dead-letters bad actions; later readers of
that topic skip what fails.
"""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError
from quixstreams import message_context

from contracts import AgentAction
from contracts.common import under_key
from crm.settings import Settings
from domain.errors import DomainError
from domain.promises import PromiseConfig
from processors.common.app import (
    make_application,
    partition_state_access,
    registry_topic,
    without_time_alignment,
)
from processors.common.dead_letters import dead_letter_for_error
from processors.common.metrics import record_action
from processors.common.routing import Routed, route
from processors.promises import logic
from processors.promises.sink import ACTION_ROWS, promise_sink
from topics import physical_name

NAME = "promises"
ACTIONS = "agent.actions"


def build(settings: Settings):
    app = make_application(settings, NAME)
    config = PromiseConfig(grace_days=settings.promise_grace_days, tolerance=settings.promise_tolerance)
    actions = registry_topic(app, settings, ACTIONS, value="bytes")
    facts = registry_topic(app, settings, "delinquency.payments")
    ticks = registry_topic(app, settings, "delinquency.ticks")
    logical = {physical_name(name, settings): name for name in (ACTIONS, "delinquency.payments")}
    merged = app.dataframe(actions).concat(app.dataframe(facts)).concat(app.dataframe(ticks))
    state_access = partition_state_access(merged)
    sink = promise_sink(settings)

    def handle(value, key, timestamp, headers):
        source = logical.get(message_context().topic, "delinquency.ticks")
        state_of = state_access()
        try:
            if source == ACTIONS:
                action = AgentAction.model_validate_json(value, context=under_key(key)).model_dump()
                outputs = logic.on_action(state_of, action, config)
                record_action(action)
                # The action's row goes straight into the sink's batch of this checkpoint: routing it
                # through the stream would need a branch, which copies every value for each branch.
                ctx = message_context()
                row = Routed(ACTION_ROWS, key, action)
                sink.add(row, key, timestamp, headers, ctx.topic, ctx.partition, ctx.offset)
                return outputs
            if source == "delinquency.payments":
                return logic.on_payment_fact(state_of, value, config)
            return logic.on_business_date(state_of, date.fromisoformat(value["date"]), config)
        except (ValidationError, DomainError) as error:
            return [dead_letter_for_error(source, key, value, error, NAME)]

    routed = merged.apply(
        lambda value, key, ts, headers: [Routed(*out) for out in handle(value, key, ts, headers)],
        metadata=True,
        expand=True,
    )
    route(routed, {name: registry_topic(app, settings, name) for name in (logic.PROMISES, f"{ACTIONS}.dlq")})
    routed.sink(sink)
    without_time_alignment(app)
    return app


def run(settings: Settings) -> None:
    build(settings).run()

"""Wiring of the strategy processor.

delinquency.customers ─┐
bank.customers ────────┤
promises ──────────────┼─> logic (compiled strategy) ─> strategy.assignments ─> strategy_assignments table
agent.actions ─────────┤
strategy.reevaluate ───┘ (a long re-evaluation goes on through it: the processor sends itself the rest)
config.strategies ─> read whole by every process (processors.common.config_table), compiled once per version

All inputs are keyed by cif (the re-evaluation requests are keyed to land on every partition). Invalid
customers and actions are dead-lettered by the processors that own those contracts (entities, promises);
they are skipped here.
"""

from __future__ import annotations

import logging
import time

from pydantic import ValidationError
from quixstreams import message_context

from contracts import AgentAction, CustomerRecord, StrategyConfig
from crm.settings import Settings
from domain.strategy import compile_strategy
from processors.common.app import (
    make_application,
    partition_state_access,
    registry_topic,
    without_time_alignment,
)
from processors.common.config_table import ConfigTable
from processors.common.routing import Routed, route
from processors.strategy import logic
from processors.strategy.sink import assignment_sink
from topics import physical_name

log = logging.getLogger(__name__)
NAME = "strategy"
REEVALUATE = "strategy.reevaluate"
STRATEGY_ID = "default"  # the one live strategy; the admin API publishes it under this id
WAIT_FOR_VERSION_S = 30.0


def live_strategy(raw: bytes) -> logic.LiveStrategy:
    """A `config.strategies` value, validated and compiled (raises on a bad one: the table keeps the last)."""
    config = StrategyConfig.model_validate_json(raw)
    campaigns = {
        campaign.id: {
            "team": campaign.team,
            "agent_type": campaign.agent_type.value if campaign.agent_type else None,
            "required_skills": campaign.required_skills.model_dump(mode="json"),
        }
        for group in config.groups
        for campaign in group.campaigns
    }
    return logic.LiveStrategy(
        config.strategy_id, config.version, compile_strategy(config.to_domain()), campaigns
    )


def build(settings: Settings):
    app = make_application(settings, NAME)
    strategies = ConfigTable(
        settings.kafka_brokers, physical_name("config.strategies", settings), live_strategy
    )
    sources = {
        "bank.customers": "bytes",
        "agent.actions": "bytes",
        "delinquency.customers": "json",
        "promises": "json",
        REEVALUATE: "json",
    }
    topics = {name: registry_topic(app, settings, name, value=kind) for name, kind in sources.items()}
    logical = {physical_name(name, settings): name for name in sources}
    merged = app.dataframe(topics["delinquency.customers"])
    for name in ("bank.customers", "promises", "agent.actions", REEVALUATE):
        merged = merged.concat(app.dataframe(topics[name]))
    state_access = partition_state_access(merged)

    def current():
        return strategies.get(STRATEGY_ID)

    def handle(value, key, _timestamp, _headers):
        source = logical[message_context().topic]
        state_of = state_access()
        if source == "delinquency.customers":
            return logic.on_delinquency(state_of, value, current)
        if source == "promises":
            return logic.on_promise(state_of, value, current)
        if source == REEVALUATE:
            wanted = value.get("version") or 0
            strategies.wait_for(
                STRATEGY_ID, lambda s: s is not None and s.version >= wanted, WAIT_FOR_VERSION_S
            )
            started = time.perf_counter()
            outputs, done = logic.reevaluate_part(
                state_of, current, value, settings.strategy_reevaluation_chunk
            )
            log.info(
                "re-evaluated" if done else "re-evaluated in part",
                extra={
                    "partition": message_context().partition,
                    "changed": len(outputs),
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
            if not done:  # the rest in the next message, and so in a transaction of its own
                outputs.append((REEVALUATE, key, {**value, logic.CONTINUED: True}))
            return outputs
        try:
            if source == "bank.customers":
                return logic.on_customer(
                    state_of, CustomerRecord.model_validate_json(value).model_dump(mode="json"), current
                )
            return logic.on_action(
                state_of, AgentAction.model_validate_json(value).model_dump(mode="json"), current
            )
        except ValidationError:
            return []  # dead-lettered by the processor that owns the contract

    routed = merged.apply(
        lambda value, key, ts, headers: [Routed(*out) for out in handle(value, key, ts, headers)],
        metadata=True,
        expand=True,
    )
    route(
        routed,
        {logic.ASSIGNMENTS: registry_topic(app, settings, logic.ASSIGNMENTS), REEVALUATE: topics[REEVALUATE]},
    )
    routed.sink(assignment_sink(settings))
    without_time_alignment(app)
    return app, strategies


def run(settings: Settings) -> None:
    app, strategies = build(settings)
    strategies.start()
    try:
        app.run()
    finally:
        strategies.stop()

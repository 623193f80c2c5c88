"""Wiring of the strategy processor.

delinquency.customers ─┐
bank.customers ────────┤
promises ──────────────┤
agent.actions ─────────┤
crm.contacts ──────────┤
crm.cases ─────────────┼─> logic (compiled strategy) ─> strategy.assignments ─> strategy_assignments table
                       │   (bad crm.* values ─> their .dlq twins)
delinquency.ticks ─────┤ (the business date: customers whose DPD reached a turning one)
strategy.reevaluate ───┘ (a long re-evaluation or date goes on through it: the processor sends it the rest)
config.strategies ─> read whole by every process (processors.common.config_table), compiled once per version

All inputs are keyed by cif (the re-evaluation requests and ticks are keyed to land on every partition).
Invalid customers and actions are dead-lettered by the processors that own those contracts (entities,
promises); they are skipped here. This processor owns `crm.contacts` and `crm.cases` (the API's), and
dead-letters them.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from pydantic import ValidationError
from quixstreams import message_context

from contracts import AgentAction, CaseRecord, CrmContacts, CustomerRecord, StrategyConfig
from contracts.common import under_key
from crm.settings import Settings
from domain.strategy import compile_strategy
from processors.common.app import (
    make_application,
    named_stream,
    partition_state_access,
    registry_topic,
    without_time_alignment,
)
from processors.common.config_table import ConfigTable
from processors.common.dead_letters import dead_letter_for_error, dead_letter_output
from processors.common.routing import Routed, route
from processors.strategy import logic
from processors.strategy.sink import assignment_sink
from topics import physical_name

log = logging.getLogger(__name__)
NAME = "strategy"
REEVALUATE = "strategy.reevaluate"
TICKS = "delinquency.ticks"
# What the API publishes of the CRM's own data on a customer: this processor owns these contracts (their
# dead letters too). Topic → (contract, rule, what one value is called).
FROM_THE_CRM = {
    "crm.contacts": (CrmContacts, logic.on_crm_contacts, "contact list"),
    "crm.cases": (CaseRecord, logic.on_case, "case"),
}
TURNS_OF = "turns_of"  # marks the rest of a business date's re-evaluations, sent on REEVALUATE
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
        settings.kafka_brokers,
        physical_name("config.strategies", settings),
        live_strategy,
        name="config.strategies",
    )
    sources = {
        "bank.customers": "bytes",
        "agent.actions": "bytes",
        "delinquency.customers": "json",
        "promises": "json",
        TICKS: "json",
        REEVALUATE: "json",
        **dict.fromkeys(FROM_THE_CRM, "bytes"),
    }
    topics = {name: registry_topic(app, settings, name, value=kind) for name, kind in sources.items()}
    logical = {physical_name(name, settings): name for name in sources}
    merged = app.dataframe(topics["delinquency.customers"])
    for name in ("bank.customers", "promises", "agent.actions", TICKS, REEVALUATE):
        merged = merged.concat(app.dataframe(topics[name]))
    # The stream keeps the id it had before the CRM's topics joined it: its store and changelog carry over.
    kept_id = merged.stream_id
    for name in FROM_THE_CRM:
        merged = merged.concat(app.dataframe(topics[name]))
    merged = named_stream(merged, kept_id)
    state_access = partition_state_access(merged)

    def current():
        return strategies.get(STRATEGY_ID)

    def tick(state_of, key: str, day: str, continuing: bool) -> list:
        started = time.perf_counter()
        outputs, done = logic.on_tick(
            state_of, date.fromisoformat(day), current, settings.strategy_reevaluation_chunk, continuing
        )
        if outputs or not done or continuing:  # quiet for a date that turned nobody
            log.info(
                "re-evaluated for the business date" if done else "re-evaluated towards the business date",
                extra={
                    "date": day,
                    "partition": message_context().partition,
                    "changed": len(outputs),
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
        if not done:  # the rest in the next message, and so in a transaction of its own
            outputs.append((REEVALUATE, key, {TURNS_OF: day, logic.CONTINUED: True, "partition_key": key}))
        return outputs

    def from_the_crm(state_of, source: str, value: bytes | None, cif: str) -> list:
        contract, rule, noun = FROM_THE_CRM[source]
        try:
            record = None if value is None else contract.model_validate_json(value)
        except ValidationError as error:
            return [dead_letter_for_error(source, cif, value, error, NAME)]
        if record is None or record.cif != cif:
            why, kind = (
                (f"a null value is not a {noun}", "NullValue")
                if record is None
                else (f"key {cif!r} is not the cif {record.cif!r}", "KeyMismatch")
            )
            return [dead_letter_output(source, cif, value, why, kind, NAME)]
        return rule(state_of, record.model_dump(mode="json"), current)

    def handle(value, key, _timestamp, _headers):
        source = logical[message_context().topic]
        state_of = state_access()
        if source == "delinquency.customers":
            return logic.on_delinquency(state_of, value, current)
        if source == "promises":
            return logic.on_promise(state_of, value, current)
        if source == TICKS:
            return tick(state_of, key, value["date"], continuing=False)
        if source == REEVALUATE and TURNS_OF in value:
            return tick(state_of, key, value[TURNS_OF], continuing=True)
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
        if source in FROM_THE_CRM:
            return from_the_crm(state_of, source, value, key)
        try:
            own_key = under_key(key)
            if source == "bank.customers":
                customer = CustomerRecord.model_validate_json(value, context=own_key)
                return logic.on_customer(state_of, customer.model_dump(mode="json"), current)
            action = AgentAction.model_validate_json(value, context=own_key)
            return logic.on_action(state_of, action.model_dump(mode="json"), current)
        except ValidationError:
            return []  # dead-lettered by the processor that owns the contract

    routed = merged.apply(
        lambda value, key, ts, headers: [Routed(*out) for out in handle(value, key, ts, headers)],
        metadata=True,
        expand=True,
    )
    route(
        routed,
        {
            logic.ASSIGNMENTS: registry_topic(app, settings, logic.ASSIGNMENTS),
            REEVALUATE: topics[REEVALUATE],
            **{f"{name}.dlq": registry_topic(app, settings, f"{name}.dlq") for name in FROM_THE_CRM},
        },
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

"""Wiring of the queues processor.

assignments ─────────────┐
strategy.assignments ────┤                  ┌─> Redis: queue:{AGENT} (ZSET) + queue:{AGENT}:entries
delinquency.customers ───┤                  │
promises ────────────────┼─> logic ─> changes
agent.actions ───────────┤                  │
bank.customers ──────────┤                  └─> Redis: contacts (ZSET) + contacts:entries (per customer)
delinquency.ticks ───────┤
queues.ticks ────────────┘ (the rest of a long re-ranking, sent to itself)

Every few seconds the processor also checks that Redis still holds what its partitions wrote, and writes it
again from the state when Redis lost it (`processors.queues.rebuild`).

A business date re-ranks every queued customer of the partition, `CRM_QUEUES_TICK_CHUNK` at a time: the
rest goes to `queues.ticks`, so each part commits in a transaction of its own.

Every topic is keyed by cif (the ticks are keyed to land on every partition), so one state store holds
each customer's facts. `agent.actions` and `bank.customers` are dead-lettered by the promises and entities
processors; a value that fails its contract is skipped here. The other topics are written by processors:
a value that fails its contract there is a bug upstream, logged with its offset and skipped.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from pydantic import ValidationError
from quixstreams import message_context

from contracts import (
    AgentAction,
    AgentAssignment,
    CustomerDelinquencyRecord,
    CustomerRecord,
    PromiseRecord,
    StrategyAssignment,
)
from contracts.common import under_key
from crm.settings import Settings
from domain.errors import DomainError
from domain.priority import PriorityWeights
from processors.common.app import (
    make_application,
    named_stream,
    partition_state_access,
    registry_topic,
    without_time_alignment,
)
from processors.common.metrics import record_skipped
from processors.common.routing import Routed, route
from processors.queues import logic
from processors.queues.events import queue_events
from processors.queues.layout import contacts_change, member_change
from processors.queues.rebuild import QueueRebuilder
from sinks.redis import RedisRankingSink
from topics import physical_name

log = logging.getLogger(__name__)
NAME = "queues"
TICKS, CONTINUED = "delinquency.ticks", "queues.ticks"
CHECKED_BY_OTHERS = {"agent.actions": AgentAction, "bank.customers": CustomerRecord}  # read as bytes
FROM_PROCESSORS = {
    "assignments": (AgentAssignment, logic.on_assignment),
    "strategy.assignments": (StrategyAssignment, logic.on_strategy),
    "delinquency.customers": (CustomerDelinquencyRecord, logic.on_delinquency),
    "promises": (PromiseRecord, logic.on_promise),
}


def _handle(state_of, source: str, key, value, config: logic.QueueConfig) -> list[logic.Change]:
    if source == "agent.actions":
        try:
            action = AgentAction.model_validate_json(value, context=under_key(key)).model_dump()
        except ValidationError:
            return []  # dead-lettered by the promises processor
        return logic.on_action(state_of, action, config)
    if source == "bank.customers":
        try:
            customer = CustomerRecord.model_validate_json(value, context=under_key(key))
        except ValidationError:
            return []  # dead-lettered by the entities processor
        fields = customer.model_dump(include={"cif", "name", "company_name", "timezone"})
        visit = customer.visiting_address()
        fields["address"] = visit.one_line() if visit else None
        return logic.on_customer(state_of, fields, config)
    contract, handler = FROM_PROCESSORS[source]
    contract.model_validate(value)
    return handler(state_of, value, config)


def _member_change(namespace: str, change: logic.Change):
    if isinstance(change, logic.ContactSnapshot):
        return contacts_change(namespace, *change)
    return member_change(namespace, *change)


def build(settings: Settings):
    app = make_application(settings, NAME)
    config = logic.QueueConfig(weights=PriorityWeights(**settings.queue_priority_weights))
    names = (*CHECKED_BY_OTHERS, *FROM_PROCESSORS, TICKS, CONTINUED)
    topics = {
        name: registry_topic(app, settings, name, value="bytes" if name in CHECKED_BY_OTHERS else "json")
        for name in names
    }
    logical = {physical_name(name, settings): name for name in names}
    merged = app.dataframe(topics[names[0]])
    for name in names[1:]:
        merged = merged.concat(app.dataframe(topics[name]))
    merged = named_stream(merged, NAME)
    state_access = partition_state_access(merged)
    namespace = settings.namespace

    def tick(state_of, source: str, key: str, value: dict) -> list:
        started = time.perf_counter()
        made, done = logic.on_tick(
            state_of,
            date.fromisoformat(value["date"]),
            config,
            settings.queues_tick_chunk,
            continuing=source == CONTINUED,
        )
        if made or not done or source == CONTINUED:  # quiet for a date that changed nothing
            log.info(
                f"queues re-ranked {'for' if done else 'towards'} the business date",
                extra={
                    "date": value["date"],
                    "partition": message_context().partition,
                    "changed": len(made),
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
        outputs: list = [_member_change(namespace, change) for change in made]
        if not done:  # the rest in the next message, and so in a transaction of its own
            outputs.append(Routed(CONTINUED, key, {"date": value["date"], "partition_key": key}))
        return outputs

    def handle(value, key, _timestamp, _headers):
        context = message_context()
        source = logical[context.topic]
        if source in (TICKS, CONTINUED):
            return tick(state_access(), source, key, value)
        try:
            made = _handle(state_access(), source, key, value, config)
        except (ValidationError, DomainError) as error:  # from a processor's output: a bug upstream
            where = {"topic": source, "partition": context.partition, "offset": context.offset}
            log.warning("skipped a value that fails its contract", extra={**where, "error": str(error)[:500]})
            record_skipped(NAME, source, type(error).__name__)
            return []
        return [_member_change(namespace, change) for change in made]

    outputs = merged.apply(handle, metadata=True, expand=True)
    route(outputs.filter(lambda value: isinstance(value, Routed)), {CONTINUED: topics[CONTINUED]})
    changes = outputs.filter(lambda value: not isinstance(value, Routed))
    events = queue_events(namespace)
    changes.sink(RedisRankingSink(settings.redis_url, lambda change: (change,), events=events))
    # Redis lost the queues (flushed, an empty replacement): write them again from the state.
    partitions, state_of = _partition_states(merged)
    rebuilder = QueueRebuilder(
        settings.redis_url,
        namespace,
        partitions,
        state_of,
        lambda change: _member_change(namespace, change),
        config,
        events,
    )
    app._dataframe_registry.register_periodic_task(rebuilder.task)  # internal hook: quixstreams is pinned
    without_time_alignment(app)
    return app


def _partition_states(sdf):
    """For work between messages: the partitions whose state is here, and a partition's state by prefix
    (the checkpoint's transaction, as `partition_state_access` gives it to each message)."""
    context = sdf.processing_context

    def partitions() -> list[int]:
        return list(context.state_manager.get_store(sdf.stream_id).partitions)

    def state_of(partition: int):
        transaction = context.checkpoint.get_store_transaction(stream_id=sdf.stream_id, partition=partition)
        return lambda prefix: transaction.as_state(prefix=prefix)

    return partitions, state_of


def run(settings: Settings) -> None:
    build(settings).run()

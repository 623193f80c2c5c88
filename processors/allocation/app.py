"""Wiring of the allocation processor.

strategy.assignments (key cif) ──┐ stage 1           stage 2: the pool, state keyed by team
                                 ├─> allocation.requests ─> on_request ──┐
config.agents (key agent_id) ────┘    (key team)                         ├─> assignments ─> agent_assignments
                               allocation.overrides (key team) ─> on_override ─┤
                                             allocation.decisions <─ what became of each override
                               (bad agents and overrides ─> their .dlq twins)

Both stages run in this one application, each over its own dataframes and state stores. Keying the requests
by team puts all of a team's agents and customers on one partition, so a pool's load counters are exact
however many partitions and instances there are, and they survive restarts with the exactly-once state.
Supervisors' reassignments come keyed by team too, so they are read with the requests, into the same store.
Each one's decision goes to allocation.decisions and, with the assignments, into PostgreSQL (the API shows
the supervisor what became of their request).
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

from contracts import AgentConfig, Reassignment, StrategyAssignment
from contracts.errors import describe
from contracts.reassignments import ReassignmentOutcome as Outcome
from crm.settings import Settings
from domain.errors import DomainError
from processors.allocation import logic
from processors.allocation.sink import AssignmentHistorySink, made_outputs
from processors.common.app import (
    make_application,
    named_stream,
    partition_state_access,
    registry_topic,
    without_time_alignment,
)
from processors.common.dead_letters import dead_letter_for_error, dead_letter_output
from processors.common.metrics import record_reassignment, record_skipped
from processors.common.routing import Routed, route

log = logging.getLogger(__name__)
NAME = "allocation"
STRATEGY, AGENTS = "strategy.assignments", "config.agents"


def strategy_requests(value: bytes | None, key: str, _timestamp, _headers, state) -> list[Routed]:
    """Stage 1 for a customer: the pools its new strategy assignment asks or releases."""
    try:
        assignment = None if value is None else StrategyAssignment.model_validate_json(value)
    except ValidationError as error:
        # The strategy processor writes this topic against its contract, and it has no dead-letter twin:
        # a value that fails is a bug upstream, logged loudly and skipped (the customer keeps its agent).
        log.error("invalid strategy assignment skipped", extra={"cif": key, "error": describe(error)})
        record_skipped(NAME, STRATEGY, "ValidationError")
        return []
    record = None if assignment is None else assignment.model_dump(mode="json")
    return [Routed(logic.REQUESTS, pool, r) for pool, r in logic.customer_requests(state, key, record)]


def agent_requests(value: bytes | None, key: str, _timestamp, _headers, state) -> list[Routed]:
    """Stage 1 for an agent: its pool, and the pool it leaves when its team changed (None: deleted)."""
    try:
        config = None if value is None else AgentConfig.model_validate_json(value)
    except ValidationError as error:
        return [Routed(*dead_letter_for_error(AGENTS, key, value, error, NAME))]
    if config is not None and config.agent_id != key:
        error = f"key {key!r} is not the agent_id {config.agent_id!r}"
        return [Routed(*dead_letter_output(AGENTS, key, value, error, "KeyMismatch", NAME))]
    record = None if config is None else config.model_dump(mode="json")
    return [Routed(logic.REQUESTS, pool, r) for pool, r in logic.agent_requests(state, key, record)]


def record_decisions(made: logic.Made) -> None:
    """Count each decision on a reassignment, and log a refusal with why."""
    for decision in made.decisions:
        record = decision.record
        record_reassignment(record["outcome"].lower())
        if record["outcome"] == Outcome.REFUSED:
            # The API checked it a moment before; the pool changed since (rare). Nothing moves.
            extra = {k: record[k] for k in ("cif", "agent_id", "override_id")}
            log.warning("reassignment not applied: %s", record["reason"], extra=extra)


def build(settings: Settings):
    app = make_application(settings, NAME)
    strategy = registry_topic(app, settings, STRATEGY, value="bytes")
    agents = registry_topic(app, settings, AGENTS, value="bytes")
    requests = registry_topic(app, settings, logic.REQUESTS)
    overrides = registry_topic(app, settings, logic.OVERRIDES, value="bytes")
    dead_letters = (f"{AGENTS}.dlq", f"{logic.OVERRIDES}.dlq")
    produced = (logic.ASSIGNMENTS, logic.DECISIONS, *dead_letters)
    outputs = {name: registry_topic(app, settings, name) for name in produced}
    outputs[logic.REQUESTS] = requests

    # 1. Customers and agents become requests keyed by their pool (the team).
    for topic, stage_one in ((strategy, strategy_requests), (agents, agent_requests)):
        asked = app.dataframe(topic).apply(stage_one, stateful=True, metadata=True, expand=True)
        route(asked, outputs)

    # 2. Each pool, on the partition its team hashes to, allocates. The merged stream keeps the requests'
    # stream id, so the pools' store (and its changelog) is the one written before overrides existed.
    requested = app.dataframe(requests)
    pools = named_stream(requested.concat(app.dataframe(overrides)), requested.stream_id)
    state_access = partition_state_access(pools)

    def allocate(request: dict | bytes | None, team: str, _timestamp, _headers) -> list[Routed]:
        if not isinstance(request, dict):
            return reassign(request, team)
        try:
            made = logic.on_request(state_access(), team, request, settings.allocation_return_days)
        except DomainError as error:
            # Requests are this processor's own output; one it cannot read is logged and skipped.
            log.error("allocation request skipped", extra={"pool": team, "error": str(error)})
            record_skipped(NAME, logic.REQUESTS, type(error).__name__)
            return []
        record_decisions(made)
        return made_outputs(made)

    def reassign(value: bytes | None, team: str) -> list[Routed]:
        try:
            override = None if value is None else Reassignment.model_validate_json(value)
        except ValidationError as error:
            return [Routed(*dead_letter_for_error(logic.OVERRIDES, team, value, error, NAME))]
        if override is None or override.team != team:
            why, kind = (
                ("a null value is not a reassignment", "NullValue")
                if override is None
                else (f"key {team!r} is not the team {override.team!r}", "KeyMismatch")
            )
            return [Routed(*dead_letter_output(logic.OVERRIDES, team, value, why, kind, NAME))]
        made = logic.on_override(state_access(), team, override.model_dump(mode="json"))
        record_decisions(made)
        return made_outputs(made)

    changed = pools.apply(allocate, metadata=True, expand=True)
    route(changed, outputs)
    changed.sink(AssignmentHistorySink(settings.database_url))
    without_time_alignment(app)  # requests and overrides in arrival order (see without_time_alignment)
    return app


def run(settings: Settings) -> None:
    build(settings).run()

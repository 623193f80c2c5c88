"""Supervisors moving customers between agents: the choices, one customer by hand, or an agent's rebalance.

Each move is checked here as allocation would check it (the agent fits the customer's campaign, products and
bucket, and has room) so that a refusal is a 409 naming why, then published to ``allocation.overrides``. The
processor checks again against its own, exact loads and applies it; the customer's queue follows in
seconds. A team supervisor moves customers within their team only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg

from api.errors import Conflict, NotFound
from api.publishing import Outgoing, Publisher
from api.queries import agents, assignments, audit, reassignment_requests
from api.queries.assignments import Facts, Seat
from api.security import Principal
from api.visibility import require_customer, scope_of
from contracts.agents import AgentConfig
from contracts.reassignments import (
    AgentChoice,
    AssignmentOptions,
    Reassignment,
    ReassignmentAccepted,
    ReassignmentCreate,
    ReassignmentStatus,
    RebalanceAccepted,
    RebalanceCreate,
)
from domain.allocation import Agent, Need, choose, fits, refusal
from processors.allocation.logic import OVERRIDES, agent_of, need_of

_AUDITED = {"override_id", "agent_type", "agent_id", "from_agent_id", "note"}


def options(conn: psycopg.Connection, user: Principal, cif: str) -> list[AssignmentOptions]:
    """The customer's pools (those the caller supervises) with every agent of each, movable ones first."""
    require_customer(conn, user, cif)
    seats = _own_seats(conn, user, cif)
    facts = _facts(conn, cif) if seats else None
    found = []
    for seat in seats:
        need = _need(seat, facts)
        pool = assignments.pool(conn, seat.team, seat.agent_type)
        choices = [_choice(config, load, seat, need) for config, load in pool]
        choices.sort(key=lambda c: (c.refused is not None, c.load, c.agent_id))
        found.append(
            AssignmentOptions(
                cif=cif,
                team=seat.team,
                agent_type=seat.agent_type,
                campaign_id=seat.campaign_id,
                agent_id=seat.agent_id,
                agents=choices,
            )
        )
    return found


def reassign(
    conn: psycopg.Connection, publisher: Publisher, user: Principal, body: ReassignmentCreate
) -> ReassignmentAccepted:
    target = _agent(conn, user, body.agent_id)
    require_customer(conn, user, body.cif)
    seat = next((s for s in assignments.seats(conn, [body.cif]) if s.agent_type == target.type), None)
    if seat is None:
        raise Conflict(f"customer {body.cif!r} needs no {target.type} agent now (no campaign asks for one)")
    if seat.team != target.team:
        raise Conflict(
            f"customer {body.cif!r} is in team {seat.team!r}'s {seat.agent_type} pool; "
            f"agent {target.agent_id!r} is of team {target.team!r}"
        )
    if seat.agent_id == target.agent_id:
        raise Conflict(f"customer {body.cif!r} is with agent {target.agent_id!r} already")
    load = assignments.load(conn, target.agent_id)
    why = refusal(agent_of(target.model_dump(mode="json")), load, _need(seat, _facts(conn, body.cif)))
    if why is not None:
        raise Conflict(f"agent {target.agent_id!r} cannot take customer {body.cif!r}: {why}")
    accepted = _publish(conn, publisher, user, [(seat, target.agent_id)], body.note, "customer.reassign")
    return accepted[0]


def rebalance(
    conn: psycopg.Connection, publisher: Publisher, user: Principal, body: RebalanceCreate
) -> RebalanceAccepted:
    """Move up to ``count`` of the agent's customers, most recently given first, each to the least loaded
    other agent of the pool that fits them and has room; the others stay."""
    source = _agent(conn, user, body.agent_id)
    pool = assignments.pool(conn, source.team, source.type)
    others = [(agent_of(c.model_dump(mode="json")), n) for c, n in pool if c.agent_id != source.agent_id]
    loads = {agent.agent_id: load for agent, load in others}
    members = assignments.members(conn, source.agent_id, source.type)
    seats = {s.cif: s for s in assignments.seats(conn, members) if s.agent_type == source.type}
    known = assignments.facts(conn, list(seats))
    moves: list[tuple[Seat, str]] = []
    stays = 0
    for cif in members:
        if len(moves) == body.count:
            break
        seat = seats.get(cif)
        if seat is None or seat.team != source.team:
            continue  # its record moved on since the list was read
        need = _need(seat, known[cif])
        agent_id, _reason = choose(None, ((a, loads[a.agent_id]) for a, _ in others if fits(a, need)))
        if agent_id is None:
            stays += 1
            continue
        loads[agent_id] += 1
        moves.append((seat, agent_id))
    accepted = _publish(conn, publisher, user, moves, body.note, "agent.rebalance") if moves else []
    return RebalanceAccepted(
        agent_id=source.agent_id, team=source.team, agent_type=source.type, moves=accepted, stays=stays
    )


def requests(
    conn: psycopg.Connection, user: Principal, cif: str | None, override_ids: list[str], limit: int
) -> list[ReassignmentStatus]:
    """The customer's reassignments, newest first, or those named (in that order; unknown ones left out),
    each with what the allocation processor made of it; a team supervisor's team's only."""
    team = scope_of(user).team
    if cif is None:
        return reassignment_requests.by_id(conn, override_ids, team)
    require_customer(conn, user, cif)
    return reassignment_requests.of_customer(conn, cif, team, limit)


def request(conn: psycopg.Connection, user: Principal, override_id: str) -> ReassignmentStatus:
    found = reassignment_requests.by_id(conn, [override_id], scope_of(user).team)
    if not found:  # as for one of another team: a team supervisor does not learn of other teams' moves
        raise NotFound(f"no reassignment {override_id!r}")
    return found[0]


def _agent(conn: psycopg.Connection, user: Principal, agent_id: str) -> AgentConfig:
    """The agent, when the caller supervises its team (404 otherwise, as for an agent that does not exist:
    a team supervisor does not learn of other teams' agents)."""
    found = agents.get_agent(conn, agent_id)
    team = scope_of(user).team
    if found is None or (team is not None and found.team != team):
        raise NotFound(f"no agent {agent_id!r}")
    return AgentConfig.model_validate(found.model_dump(exclude={"updated_at", "updated_by"}))


def _own_seats(conn: psycopg.Connection, user: Principal, cif: str) -> list[Seat]:
    team = scope_of(user).team
    return [s for s in assignments.seats(conn, [cif]) if team is None or s.team == team]


def _facts(conn: psycopg.Connection, cif: str) -> Facts:
    return assignments.facts(conn, [cif])[cif]


def _need(seat: Seat, facts: Facts) -> Need:
    """The customer's need in the seat's pool, as allocation built it from the strategy assignment."""
    campaign = next((c for c in facts.campaigns if c.get("campaign_id") == seat.campaign_id), {})
    return need_of(
        {
            "cif": seat.cif,
            "team": seat.team,
            "agent_type": seat.agent_type,
            "campaign_id": seat.campaign_id,
            "products": facts.products,
            "bucket": facts.bucket,
            "language": None,  # the strategy sets none yet (processors.strategy.logic)
            "required_skills": campaign.get("required_skills"),
        }
    )


def _choice(config: AgentConfig, load: int, seat: Seat, need: Need) -> AgentChoice:
    agent: Agent = agent_of(config.model_dump(mode="json"))
    current = config.agent_id == seat.agent_id
    refused = "the customer's agent now" if current else refusal(agent, load, need)
    return AgentChoice(
        agent_id=config.agent_id,
        name=config.name,
        load=load,
        capacity=config.capacity,
        current=current,
        fits=fits(agent, need),
        has_room=agent.active and load < agent.capacity,
        refused=refused,
    )


def _publish(
    conn: psycopg.Connection,
    publisher: Publisher,
    user: Principal,
    moves: list[tuple[Seat, str]],
    note: str | None,
    action: str,
) -> list[ReassignmentAccepted]:
    """Audit, keep and publish the moves, all or nothing (the rows roll back when Kafka does not confirm)."""
    now = datetime.now(UTC)
    overrides = [
        Reassignment(
            override_id=str(uuid.uuid4()),
            cif=seat.cif,
            team=seat.team,
            agent_type=seat.agent_type,
            agent_id=agent_id,
            episode=seat.episode,
            from_agent_id=seat.agent_id,
            requested_by=user.username,
            requested_at=now,
            note=note,
        )
        for seat, agent_id in moves
    ]
    with conn.transaction():
        for override in overrides:
            details = override.model_dump(mode="json", include=_AUDITED)
            audit.record(conn, user.username, action, f"customer:{override.cif}", details)
        reassignment_requests.record(conn, overrides)
        publisher.publish([Outgoing(OVERRIDES, o.team, o.model_dump_json().encode()) for o in overrides])
    return [
        ReassignmentAccepted(
            override_id=o.override_id,
            cif=o.cif,
            team=o.team,
            agent_type=o.agent_type,
            agent_id=o.agent_id,
            from_agent_id=o.from_agent_id,
            requested_at=o.requested_at,
        )
        for o in overrides
    ]

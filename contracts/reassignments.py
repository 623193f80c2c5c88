"""Supervisors' manual reassignments: ``allocation.overrides`` (key team) and the API bodies around it.

A reassignment moves one customer, in one team's pool of one agent type, to a chosen agent of that pool.
The API checks it first (the agent fits the customer's campaign and has room) and publishes it; the
allocation processor checks again and applies it. It names the customer's *episode* (their stay in the
pool, numbered by allocation): so a replay applies it to the same stay, whatever order the override and
the customer's allocation records are read in, and an override for a stay already over changes nothing.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from contracts.admin import Username
from contracts.agents import AgentType
from contracts.common import Contract, Identifier, Timestamp

Note = Annotated[str, Field(min_length=1, max_length=500)]


class Reassignment(Contract):
    """``allocation.overrides``: put customer ``cif`` with agent ``agent_id`` during stay ``episode``."""

    override_id: Identifier  # unique; a repeat of one changes nothing
    cif: Identifier
    team: Identifier  # the pool, and the message key
    agent_type: AgentType
    agent_id: Identifier
    episode: Annotated[int, Field(ge=1)]
    from_agent_id: Identifier | None = None  # the customer's agent when it was asked (for the history)
    requested_by: Username
    requested_at: Timestamp
    note: Note | None = None


class ReassignmentCreate(Contract):
    """``POST /api/assignments``: move a customer to ``agent_id`` (the pool is that agent's team and type)."""

    cif: Identifier
    agent_id: Identifier
    note: Note | None = None


class ReassignmentAccepted(Contract):
    """202 from ``POST /api/assignments``: what was published; the customer's queue follows in seconds."""

    override_id: Identifier
    cif: Identifier
    team: Identifier
    agent_type: AgentType
    agent_id: Identifier
    from_agent_id: Identifier | None
    status: Literal["accepted"] = "accepted"
    requested_at: Timestamp


class RebalanceCreate(Contract):
    """``POST /api/assignments/rebalance``: move up to ``count`` of an agent's customers to the other fitting
    agents of the pool, each to the least loaded one with room."""

    agent_id: Identifier
    count: Annotated[int, Field(ge=1, le=1000)]
    note: Note | None = None


class RebalanceAccepted(Contract):
    agent_id: Identifier
    team: Identifier
    agent_type: AgentType
    moves: list[ReassignmentAccepted]  # one per customer moved, in the order they were chosen
    # The agent's customers that were looked at but stay: no other fitting agent had room for them
    stays: int


class AgentChoice(Contract):
    """One agent of the customer's pool, and whether the customer may be moved to them."""

    agent_id: Identifier
    name: str
    load: int  # customers assigned now
    capacity: int
    current: bool  # the customer's agent now
    fits: bool  # active, and has the skills, products, buckets and languages the customer needs
    has_room: bool
    refused: str | None  # why the customer cannot be moved there, in words; None when they can


class AssignmentOptions(Contract):
    """``GET /api/assignments/options``: for each pool the customer is in, the agents they could go to."""

    cif: Identifier
    team: Identifier
    agent_type: AgentType
    campaign_id: str | None
    agent_id: Identifier | None  # the customer's agent now (None: waiting for one)
    agents: list[AgentChoice]  # fitting agents with room first, least loaded first


class ReassignmentOutcome(StrEnum):
    """What became of a reassignment, as the allocation processor decided it."""

    PENDING = "PENDING"  # published; the processor has not read it yet
    APPLIED = "APPLIED"  # the customer is with the agent
    KEPT_FOR_STAY = "KEPT_FOR_STAY"  # read before the customer's stay began; decided again when it begins
    ALREADY = "ALREADY"  # the customer was with that agent already: nothing moved
    REFUSED = "REFUSED"  # the pool changed since the API checked it: nothing moved (`reason` says why)
    SUPERSEDED = "SUPERSEDED"  # kept for a stay, then replaced by a later reassignment for it


class ReassignmentDecision(Contract):
    """``allocation.decisions`` (key override_id, compacted): what the allocation processor made of a
    reassignment. One kept for its stay is decided again when the stay begins; the latest decision wins."""

    override_id: Identifier
    cif: str
    team: str
    agent_type: AgentType
    agent_id: str  # the agent it asked for
    outcome: ReassignmentOutcome  # never PENDING
    reason: str | None  # REFUSED and SUPERSEDED: why, in words
    business_date: date | None  # the pool's business date when it was decided


class ReassignmentStatus(Reassignment):
    """``GET /api/assignments/requests``: a reassignment as asked, and what became of it."""

    outcome: ReassignmentOutcome
    reason: str | None  # REFUSED and SUPERSEDED: why, in words
    business_date: date | None  # the pool's business date when it was decided
    decided_at: Timestamp | None  # when the decision was written (None: PENDING)

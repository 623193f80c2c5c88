"""Agents (admin): list, read, create or change, deactivate; every change published to config.agents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import (
    AdminUser,
    AgentIdPath,
    ConnDep,
    ContainingQuery,
    IfNoneMatch,
    OffsetQuery,
    PublisherDep,
    ResourcesDep,
    create_only,
)
from api.documented_errors import CREATE_ONLY, NOT_FOUND
from api.errors import NotFound, field_error
from api.exact_json import ExactJsonRoute
from api.queries import agents
from api.services import agents as service
from contracts.admin import AgentPublic, AgentUpdate

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/admin/agents", tags=["admin: agents"])
_FAILURES = {503: {"description": "Kafka did not confirm; nothing was stored"}}


@router.get("", response_model=list[AgentPublic])
def list_agents(
    _admin: AdminUser,
    conn: ConnDep,
    team: str | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: OffsetQuery = 0,
    containing: ContainingQuery = None,
) -> list[AgentPublic]:
    """Agents in id order; `q` keeps those whose id or name holds it (any case)."""
    return agents.list_agents(conn, team, active, limit, offset, containing)


@router.get("/{agent_id:id}", response_model=AgentPublic, responses=NOT_FOUND)
def get_agent(agent_id: AgentIdPath, _admin: AdminUser, conn: ConnDep) -> AgentPublic:
    found = agents.get_agent(conn, agent_id)
    if found is None:
        raise NotFound(f"no agent {agent_id!r}")
    return found


@router.put(
    "/{agent_id:id}",
    response_model=AgentPublic,
    responses={201: {"model": AgentPublic, "description": "Created"}, **CREATE_ONLY, **_FAILURES},
)
def save_agent(
    agent_id: AgentIdPath,
    body: AgentUpdate,
    admin: AdminUser,
    conn: ConnDep,
    publisher: PublisherDep,
    resources: ResourcesDep,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> AgentPublic:
    """Create or replace the agent; 201 when new, 200 when changed. With `If-None-Match: *` only create:
    412 when the agent exists (a "new agent" form must not replace one by its id)."""
    if body.agent_id is not None and body.agent_id != agent_id:
        raise field_error("agent_id", f"must equal the agent in the path ({agent_id!r}) or be left out")
    config = body.to_config(agent_id)
    stored, created = service.save_agent(conn, publisher, config, admin.username, create_only(if_none_match))
    resources.team_members.forget()  # the team may have changed: this worker's supervisors see it at once
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return stored


@router.delete("/{agent_id:id}", response_model=AgentPublic, responses={**NOT_FOUND, **_FAILURES})
def deactivate_agent(
    agent_id: AgentIdPath, admin: AdminUser, conn: ConnDep, publisher: PublisherDep
) -> AgentPublic:
    """Deactivate (active = false, published); the agent's customers are reallocated by the processor."""
    return service.deactivate_agent(conn, publisher, agent_id, admin.username)

"""An agent's prioritized queue, read from Redis only (the queues processor keeps it current)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from api.deps import AgentIdPath, ConnDep, RequireRole, ResourcesDep, SettingsDep
from api.visibility import may_see_agent
from contracts.admin import Role
from contracts.api import QueueEntry
from processors.queues.read import queue_length, read_queue

router = APIRouter(prefix="/api/agents", tags=["queues"])
QueueReader = RequireRole(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@router.get("/{agent_id}/queue", response_model=list[QueueEntry])
def agent_queue(
    agent_id: AgentIdPath,
    user: QueueReader,
    conn: ConnDep,
    resources: ResourcesDep,
    settings: SettingsDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict]:
    """The agent's customers, highest priority first, each with the reason for its rank and whether the
    customer may be called now (or which rule blocks it and from when). Agents read only their own queue,
    supervisors their team's agents' queues. The total length is in `X-Total-Count`."""
    if not may_see_agent(conn, user, agent_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not read agent {agent_id}'s queue")
    # the wall clock, not the business date: calling hours are about the customer's real time of day
    entries = read_queue(resources.redis, settings.namespace, agent_id, datetime.now(UTC), limit, offset)
    response.headers["X-Total-Count"] = str(queue_length(resources.redis, settings.namespace, agent_id))
    return entries

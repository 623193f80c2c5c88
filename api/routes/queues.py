"""An agent's prioritized queue, read from Redis only (the queues processor keeps it current)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from api.deps import AgentIdPath, RequireRole, ResourcesDep, SettingsDep
from contracts.admin import Role
from contracts.api import QueueEntry
from processors.queues.read import queue_length, read_queue

router = APIRouter(prefix="/api/agents", tags=["queues"])
QueueReader = RequireRole(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@router.get("/{agent_id}/queue", response_model=list[QueueEntry])
def agent_queue(
    agent_id: AgentIdPath,
    user: QueueReader,
    resources: ResourcesDep,
    settings: SettingsDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict]:
    """The agent's customers, highest priority first, each with the reason for its rank and whether the
    customer may be called now (or which rule blocks it and from when). Agents read only their own queue.
    The total length is in `X-Total-Count`."""
    if user.role is Role.AGENT and user.agent_id != agent_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "agents can read only their own queue")
    # the wall clock, not the business date: calling hours are about the customer's real time of day
    entries = read_queue(resources.redis, settings.namespace, agent_id, datetime.now(UTC), limit, offset)
    response.headers["X-Total-Count"] = str(queue_length(resources.redis, settings.namespace, agent_id))
    return entries

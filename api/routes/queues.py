"""An agent's prioritized queue, read from Redis only (the queues processor keeps it current).

The hottest read of the API (every agent, all day), so it runs on the event loop with the asynchronous Redis
client and writes its JSON itself (`entries_json`, the `QueueEntry` shape pydantic would write): no thread
hand-off, no re-validation of entries built a moment ago. Only a team supervisor's read needs PostgreSQL
(whose team the agent is in), on a worker thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from api.deps import AgentIdPath, OffsetQuery, RequireRole, ResourcesDep
from api.documented_errors import NOT_FOUND
from api.exact_json import ExactJsonRoute
from api.resources import Resources
from api.security import Principal
from api.visibility import scope_of, sees_agent_without_database
from contracts.admin import Role
from contracts.api import QueueEntry

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/agents", tags=["queues"])
QUEUE_READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
QueueReader = RequireRole(*QUEUE_READERS)
# A page of the queue: `limit` entries from `offset` (the fast path, api/queue_fast_path.py, keeps these too).
LIMIT_MAX, LIMIT_DEFAULT = 500, 50


async def may_read_queue(resources: Resources, user: Principal, agent_id: str) -> bool:
    """`may_see_agent` on the event loop; a team supervisor's answer (is the agent in their team) from the
    worker's `TeamMembers`, which asks the database now and then."""
    scope = scope_of(user)
    answer = sees_agent_without_database(scope, agent_id)
    if answer is not None:
        return answer
    assert scope.team is not None and resources.pool_async is not None
    return await resources.team_members.contains(resources.pool_async.connection, scope.team, agent_id)


AGENT_KNOWN = "SELECT 1 FROM agents WHERE agent_id = %s"


async def unknown_agent(resources: Resources, user: Principal, agent_id: str) -> bool:
    """Whether an empty queue is an agent nobody configured. Asked only for someone who sees every agent: an
    agent reads their own queue, and a team's supervisor reads only agents in the table."""
    if not scope_of(user).everything:
        return False
    assert resources.pool_async is not None
    async with resources.pool_async.connection() as conn:
        cursor = await conn.execute(AGENT_KNOWN, (agent_id,))
        return await cursor.fetchone() is None


# The live event (its `id:`) a read reacts to: the answer reflects at least that event (api/queue_pages.py).
SEEN_EVENT_HEADER = "x-queue-event-id"


async def queue_page(
    resources: Resources, agent_id: str, limit: int, offset: int, seen_event: str | None = None
) -> tuple[bytes, int]:
    """The page's JSON and the queue's length: from the worker's kept pages or Redis (api/queue_pages.py)."""
    if resources.queue_pages is None:  # the app's lifespan has not opened its asynchronous resources
        raise RuntimeError("the API's resources are not open")
    return await resources.queue_pages.read(agent_id, limit, offset, seen_event)


@router.get("/{agent_id:id}/queue", response_model=list[QueueEntry], responses=NOT_FOUND)
async def agent_queue(
    agent_id: AgentIdPath,
    user: QueueReader,
    resources: ResourcesDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = LIMIT_DEFAULT,
    offset: OffsetQuery = 0,
) -> Response:
    """The agent's customers, highest priority first, each with the reason for its rank and whether the
    customer may be called now (or which rule blocks it and from when). Agents read only their own queue,
    supervisors their team's agents' queues; an agent nobody configured is 404. The total length is in
    `X-Total-Count`. A read that follows a live `queue` event may name it in the `X-Queue-Event-Id` header
    (the event's `id`): the answer then reflects at least that event."""
    if not await may_read_queue(resources, user, agent_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not read agent {agent_id}'s queue")
    seen_event = request.headers.get(SEEN_EVENT_HEADER)
    body, total = await queue_page(resources, agent_id, limit, offset, seen_event)
    if total == 0 and await unknown_agent(resources, user, agent_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent {agent_id!r}")
    return Response(body, media_type="application/json", headers={"X-Total-Count": str(total)})

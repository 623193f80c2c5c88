"""An agent's prioritized queue, read from Redis only (the queues processor keeps it current).

The hottest read of the API (every agent, all day), so it runs on the event loop with the asynchronous Redis
client and writes its JSON itself (`entries_json`, the `QueueEntry` shape pydantic would write): no thread
hand-off, no re-validation of entries built a moment ago. Only a team supervisor's read needs PostgreSQL
(whose team the agent is in), on a worker thread.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import psycopg_pool
from fastapi import APIRouter, HTTPException, Query, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import AgentIdPath, RequireRole, ResourcesDep
from api.exact_json import ExactJsonRoute
from api.security import Principal
from api.visibility import may_see_agent, scope_of, sees_agent_without_database
from contracts.admin import Role
from contracts.api import QueueEntry
from processors.queues.read import entries_json, read_queue_page

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/agents", tags=["queues"])
QUEUE_READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
QueueReader = RequireRole(*QUEUE_READERS)
# A page of the queue: `limit` entries from `offset` (the fast path, api/queue_fast_path.py, keeps these too).
LIMIT_MAX, LIMIT_DEFAULT, OFFSET_MAX = 500, 50, 1_000_000


def _may_read_blocking(pool: psycopg_pool.ConnectionPool, user: Principal, agent_id: str) -> bool:
    with pool.connection() as conn:
        return may_see_agent(conn, user, agent_id)


async def may_read_queue(resources: ResourcesDep, user: Principal, agent_id: str) -> bool:
    """`may_see_agent`, asking the database only when the answer is in it (a team supervisor's)."""
    answer = sees_agent_without_database(scope_of(user), agent_id)
    if answer is None:
        return await run_in_threadpool(_may_read_blocking, resources.pool, user, agent_id)
    return answer


@router.get("/{agent_id}/queue", response_model=list[QueueEntry])
async def agent_queue(
    agent_id: AgentIdPath,
    user: QueueReader,
    resources: ResourcesDep,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = LIMIT_DEFAULT,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
) -> Response:
    """The agent's customers, highest priority first, each with the reason for its rank and whether the
    customer may be called now (or which rule blocks it and from when). Agents read only their own queue,
    supervisors their team's agents' queues. The total length is in `X-Total-Count`."""
    if not await may_read_queue(resources, user, agent_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not read agent {agent_id}'s queue")
    # the wall clock, not the business date: calling hours are about the customer's real time of day
    entries, total = await read_queue_page(
        resources.redis_async, resources.settings.namespace, agent_id, datetime.now(UTC), limit, offset
    )
    return Response(
        entries_json(entries), media_type="application/json", headers={"X-Total-Count": str(total)}
    )

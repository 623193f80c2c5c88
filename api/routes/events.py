"""Live events (server-sent events) of changes the caller may see: queue changes and portfolio figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from fastapi.security import OAuth2PasswordBearer
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

from api import events
from api.deps import TOKEN_URL, ResourcesDep, current_user
from api.documented_errors import UNAUTHORIZED
from api.errors import ServiceUnavailable
from api.exact_json import ExactJsonRoute
from api.security import Principal
from sinks.redis import events_stream_key, stream_id

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/events", tags=["events"])
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering either


async def events_user(
    resources: ResourcesDep,
    bearer: Annotated[str | None, Depends(_bearer)],
    access_token: Annotated[
        str | None,
        Query(
            description="The bearer token, for clients that cannot send headers (the browser's "
            "EventSource). Checked exactly like the Authorization header; never logged."
        ),
    ] = None,
) -> Principal:
    return await current_user(resources, bearer or access_token)


@router.get(
    "",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "An endless event stream"},
        **UNAUTHORIZED,  # its token may come as a query parameter, so its dependency is not current_user
    },
)
async def live_events(
    request: Request,
    resources: ResourcesDep,
    user: Annotated[Principal, Depends(events_user)],
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[
        str | None, Query(description="Resume after this event id (as the Last-Event-ID header does).")
    ] = None,
) -> StreamingResponse:
    """Server-sent events of changes the caller may see: `queue` (an agent's queue changed: `agent_id`,
    `added`, `removed`, `changed` cifs, `counts`), `portfolio` (supervisors and admins: the portfolio
    figures when they change) and `reset` (events were missed for good: reload). Queue events carry
    `id:`; reconnecting with `Last-Event-ID` replays what was missed. A `: keep-alive` comment every 15 s.
    """
    resume_after = last_event_id_header or last_event_id
    if resume_after is not None:
        try:
            stream_id(resume_after)
        except ValueError as error:
            where = ("header", "Last-Event-ID") if last_event_id_header else ("query", "last_event_id")
            raise RequestValidationError([{"type": "value_error", "loc": where, "msg": str(error)}]) from None
    audience = events.audience_of(user)
    settings = resources.settings
    key = events_stream_key(settings.namespace)
    client, start = None, events.Start("0-0")
    if audience.queue_events:
        client = events.open_redis(settings.redis_url, f"{settings.namespace}sse")
        try:
            start = await events.resolve_start(client, key, resume_after)
        except RedisError as error:
            await client.aclose()
            raise ServiceUnavailable(f"Redis is unavailable ({error}); try again shortly") from None
    if audience.team is not None:
        try:
            audience.agents = await run_in_threadpool(events.team_agents, resources.pool, audience.team)
        except BaseException:
            if client is not None:
                await client.aclose()
            raise
    return StreamingResponse(
        events.event_stream(request, resources, audience, start, client, key),
        media_type="text/event-stream",
        headers=STREAM_HEADERS,
    )

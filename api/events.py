"""Server-sent events for ``GET /api/events``: what each caller receives, where a stream starts or resumes,
and the loop that writes events, portfolio figures and keep-alives until the client goes away.

Queue events come from the Redis stream ``{ns}events`` that the queues processor's sink appends to in the
same transaction as its queue writes (``processors/queues/events.py``); their SSE ``id`` is the stream id,
so a reconnecting ``EventSource`` resumes with ``Last-Event-ID`` (XREAD after it). Portfolio figures are
computed here every ``PORTFOLIO_INTERVAL_S`` and sent when they change. Each client has one Redis
connection of its own (XREAD BLOCK holds it), closed when the client disconnects.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import orjson
import psycopg_pool
import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.metrics import metrics_of
from api.queries.dashboard import portfolio_summary
from api.resources import Resources
from api.security import Principal
from api.visibility import TEAM_AGENTS, scope_of
from contracts.admin import Role
from sinks.redis import EVENT_DATA_FIELD, stream_id

log = logging.getLogger(__name__)

# Module constants so tests can shorten them; read at run time.
KEEPALIVE_S = 15.0  # a comment line this often keeps proxies and browsers from closing an idle stream
PORTFOLIO_INTERVAL_S = 5.0
TEAM_REFRESH_S = 60.0  # a supervisor's team membership is re-read this often
RETRY_MS = 3_000  # how long EventSource waits before reconnecting
READ_COUNT = 500  # stream entries per XREAD
_AGENT_FIELD = b"agent_id"
_TYPE_FIELD = b"type"
_DATA_FIELD = EVENT_DATA_FIELD.encode()


def sse(event: str, data: bytes, event_id: str | bytes | None = None) -> bytes:
    """One server-sent event (``data`` is one line of JSON)."""
    body = b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"
    if event_id is None:
        return body
    return b"id: " + (event_id if isinstance(event_id, bytes) else event_id.encode()) + b"\n" + body


@dataclass
class Audience:
    """What one caller receives: queue events of which agents (all, a fixed set, or a team's, re-read),
    and whether portfolio figures (for ``team``, None meaning the whole portfolio)."""

    queue_events: bool = False
    all_agents: bool = False
    agents: frozenset[str] = frozenset()
    team: str | None = None
    portfolio: bool = False

    def wants(self, fields: dict[bytes, bytes]) -> bool:
        """Whether a stream entry is for this caller (one naming no agent: only for those who see all)."""
        if self.all_agents:
            return True
        agent_id = fields.get(_AGENT_FIELD)
        return agent_id is not None and agent_id.decode(errors="replace") in self.agents


def audience_of(user: Principal) -> Audience:
    """Agents: their own queue; supervisors: their team's queues (every queue without a team) and the
    portfolio; admins: every queue and the portfolio; integrations: nothing but keep-alives."""
    if user.role is Role.INTEGRATION:
        return Audience()
    scope = scope_of(user)
    if scope.agent_id is not None:
        return Audience(queue_events=True, agents=frozenset({scope.agent_id}))
    if scope.team is not None:
        return Audience(queue_events=True, team=scope.team, portfolio=True)
    return Audience(queue_events=True, all_agents=True, portfolio=True)


def team_agents(pool: psycopg_pool.ConnectionPool, team: str) -> frozenset[str]:
    """The agents of ``team`` (blocking: run it in a thread)."""
    with pool.connection() as conn:
        rows = conn.execute(TEAM_AGENTS, (team,)).fetchall()
    return frozenset(agent_id for (agent_id,) in rows)


def portfolio_figures(pool: psycopg_pool.ConnectionPool, team: str | None) -> dict[str, Any]:
    """The dashboard's portfolio summary (blocking: run it in a thread)."""
    with pool.connection() as conn:
        return portfolio_summary(conn, team)


class SharedFigures:
    """Portfolio figures shared by all of an app's streams: computed at most once per team per interval
    however many supervisors watch, so the database load does not grow with the number of screens."""

    def __init__(self) -> None:
        self._latest: dict[str | None, tuple[float, dict[str, Any]]] = {}
        self._locks: dict[str | None, anyio.Lock] = {}

    async def get(self, pool: psycopg_pool.ConnectionPool, team: str | None) -> dict[str, Any]:
        async with self._locks.setdefault(team, anyio.Lock()):  # one computation at a time per team
            computed = self._latest.get(team)
            if computed is None or time.monotonic() - computed[0] >= PORTFOLIO_INTERVAL_S * 0.9:
                computed = (time.monotonic(), await run_in_threadpool(portfolio_figures, pool, team))
                self._latest[team] = computed
            return computed[1]


def shared_figures(app: Any) -> SharedFigures:
    """The app's SharedFigures, made on first use."""
    figures = getattr(app.state, "portfolio_figures", None)
    if figures is None:
        figures = app.state.portfolio_figures = SharedFigures()
    return figures


def open_redis(redis_url: str, name: str) -> aioredis.Redis:
    """A connection for one client's stream; its read timeout outlasts the longest XREAD BLOCK."""
    return aioredis.Redis.from_url(
        redis_url, socket_connect_timeout=5, socket_timeout=KEEPALIVE_S + 10, client_name=name
    )


@dataclass(frozen=True)
class Start:
    """Where a client's stream starts: XREAD after ``after``; ``reset`` when events it missed are gone."""

    after: str
    reset: bool = False
    reason: str = ""


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


async def resolve_start(client: aioredis.Redis, key: str, last_event_id: str | None) -> Start:
    """Resume after ``last_event_id``, or start after the newest entry when there is none.

    The client may have missed events for good when its id is older than the stream's first entry (the
    entries after it were trimmed; at worst a needless reload when exactly the entries up to its own were
    trimmed), older than an entry deleted by hand (Redis keeps the highest deleted id), or ahead of the
    stream (the stream was lost and began again). It is then told to reload and goes on from the newest.
    """
    try:
        info = await client.xinfo_stream(key)
    except ResponseError:  # no such key: nothing was ever written, or Redis lost its data
        info = {}
    newest = _text(info.get("last-generated-id")) or "0-0"
    if last_event_id is None:
        return Start(newest)
    resumed = stream_id(last_event_id)
    if resumed > stream_id(newest):
        return Start(newest, True, "the event stream began again; reload")
    first = info.get("first-entry")
    oldest_kept = stream_id(_text(first[0])) if first else None
    deleted = stream_id(_text(info.get("max-deleted-entry-id")) or "0-0")
    missed_trimmed = resumed < stream_id(newest) and (oldest_kept is None or oldest_kept > resumed)
    if missed_trimmed or deleted > resumed:
        return Start(newest, True, "events since your last one were discarded; reload")
    return Start(last_event_id)


class _PortfolioWatch:
    """The portfolio figures of a team (None: all), fetched when due and reported when they change."""

    def __init__(self, shared: SharedFigures, pool: psycopg_pool.ConnectionPool, audience: Audience) -> None:
        self.shared, self.pool, self.team = shared, pool, audience.team
        self.due = 0.0 if audience.portfolio else float("inf")  # the first figures go out at once
        self.last: dict[str, Any] | None = None

    async def changed(self) -> dict[str, Any] | None:
        """The figures if they were due and differ from the last ones reported, else None."""
        if time.monotonic() < self.due:
            return None
        self.due = time.monotonic() + PORTFOLIO_INTERVAL_S
        try:
            summary = await self.shared.get(self.pool, self.team)
        except Exception as error:  # a database outage must not end the stream; the next try may work
            log.warning("portfolio figures failed", extra={"error": str(error)[:200]})
            return None
        if summary == self.last:
            return None
        self.last = summary
        return summary


class _TeamWatch:
    """A supervisor's team members, re-read every TEAM_REFRESH_S (the last known set during an outage)."""

    def __init__(self, pool: psycopg_pool.ConnectionPool, audience: Audience) -> None:
        self.pool, self.audience = pool, audience
        self.due = time.monotonic() + TEAM_REFRESH_S if audience.team is not None else float("inf")

    async def refresh(self) -> None:
        if time.monotonic() < self.due:
            return
        self.due = time.monotonic() + TEAM_REFRESH_S
        try:
            self.audience.agents = await run_in_threadpool(team_agents, self.pool, self.audience.team or "")
        except Exception as error:
            log.warning("team not re-read", extra={"team": self.audience.team, "error": str(error)[:200]})


def keep_alive(event_id: bytes | None) -> bytes:
    """A comment, with the id of the newest entry read when the client does not hold it yet: the browser
    takes an ``id`` without data as its last event id (no event fires), so a reconnect resumes after the
    entries that were not for this client instead of reading them again (or being told to reload)."""
    return b": keep-alive\n" + (b"" if event_id is None else b"id: " + event_id + b"\n") + b"\n"


@dataclass
class _Read:
    """What one XREAD gave a client: the newest entry read, and the events for it (with their counts)."""

    after: bytes
    chunks: list[bytes] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    last_sent: bytes | None = None


async def _read(client: aioredis.Redis, key: str, after: bytes, audience: Audience, block_s: float) -> _Read:
    """The entries after ``after``, waiting up to ``block_s`` for one (0 would block for ever)."""
    replies = await client.xread({key: after}, count=READ_COUNT, block=max(1, int(block_s * 1000)))
    read = _Read(after)
    for _stream, entries in replies or ():
        for entry_id, fields in entries:
            read.after = entry_id
            if _DATA_FIELD in fields and audience.wants(fields):
                kind = fields.get(_TYPE_FIELD, b"message").decode(errors="replace")
                read.chunks.append(sse(kind, fields[_DATA_FIELD], entry_id))
                read.counts[kind] += 1
                read.last_sent = entry_id
    return read


async def event_stream(
    request: Request,
    resources: Resources,
    audience: Audience,
    start: Start,
    client: aioredis.Redis | None,
    key: str,
) -> AsyncIterator[bytes]:
    """The response body of one client: events until it disconnects (or Redis fails: it then reconnects
    after ``retry`` and resumes from its last id)."""
    metrics = metrics_of(request.app)
    metrics.sse_clients.inc()
    portfolio = _PortfolioWatch(shared_figures(request.app), resources.pool, audience)
    team = _TeamWatch(resources.pool, audience)
    after = start.after.encode()  # the newest stream entry read
    held: bytes | None = None  # the last id the client was sent
    last_write = time.monotonic()

    def wait_s() -> float:
        """How long the next read may block: until the next keep-alive or timed job, at most KEEPALIVE_S."""
        due = min(last_write + KEEPALIVE_S, portfolio.due, team.due)
        return min(KEEPALIVE_S, max(0.001, due - time.monotonic()))

    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        if start.reset:
            metrics.events_sent.labels("reset").inc()
            held = after
            yield sse("reset", orjson.dumps({"type": "reset", "reason": start.reason}), after)
        while not await request.is_disconnected():
            summary = await portfolio.changed()
            if summary is not None:
                metrics.events_sent.labels("portfolio").inc()
                last_write = time.monotonic()
                yield sse("portfolio", orjson.dumps({"type": "portfolio", **summary}, default=str))
            await team.refresh()
            if client is not None and audience.queue_events:
                read = await _read(client, key, after, audience, wait_s())
                after = read.after
                if read.chunks:
                    for kind, count in read.counts.items():
                        metrics.events_sent.labels(kind).inc(count)
                    last_write, held = time.monotonic(), read.last_sent
                    yield b"".join(read.chunks)
            else:
                await anyio.sleep(wait_s())
            if time.monotonic() - last_write >= KEEPALIVE_S:
                advanced = client is not None and after not in (held, b"0-0")
                last_write, held = time.monotonic(), after if advanced else held
                yield keep_alive(after if advanced else None)
    except RedisError as error:
        log.warning("event stream ended: Redis failed", extra={"error": str(error)[:200]})
    finally:
        metrics.sse_clients.dec()
        if client is not None:
            with anyio.CancelScope(shield=True):  # also when a disconnect cancels the stream
                await client.aclose()

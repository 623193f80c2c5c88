"""What the API holds open while it runs: a PostgreSQL pool, a Kafka producer, Redis and Elasticsearch
clients. Opened by the app's lifespan, never at import; none of them needs its service to be up to open,
so the API starts (and reports the outage on /api/health) while a dependency is down."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg
import psycopg_pool
import redis
import redis.asyncio as aioredis

from api.publishing import DeliveryReports, Publisher, make_api_producer
from api.queries.search import LatestDates
from api.queue_pages import BLOCK_MS, QueuePages
from api.search_client import SearchClient
from api.security import TokenCache
from api.visibility import TeamMembers
from infra.dead_letter_index import DeadLetterIndex
from processors.queues.read import deployment_rules

if TYPE_CHECKING:
    from crm.settings import Settings

POOL_MIN_SIZE = 4  # enough for a burst of requests without opening connections while they wait
POOL_MAX_SIZE = 20
POOL_TIMEOUT_S = 5.0  # waiting longer for a connection than this answers 503
# The event loop's pool runs one statement per request; PostgreSQL has two cores here, so more connections
# would only queue inside it.
ASYNC_POOL_MIN_SIZE, ASYNC_POOL_MAX_SIZE = 2, 8
# Actions and payments hold their connection (an action also its customer's lock) until Kafka confirms: a
# pool of their own, so that writes waiting on a slow or unreachable Kafka never take the view's connections.
WRITE_POOL_MIN_SIZE, WRITE_POOL_MAX_SIZE = 1, 8
log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0
WATCHER_STOP_S = 2.0  # how long closing waits for the queue pages' watcher to stop
PROBE_AFTER_IDLE_S = 1.0  # a connection idle in the pool longer than this is probed before it is lent
# Connections to Elasticsearch per worker: it runs a handful of searches at once (1.5 per core, plus one);
# more only queue there.
SEARCH_CONNECTIONS = 8


class _ReturnTimes:
    """When each pooled connection was last returned: one returned moments ago needs no probe."""

    def __init__(self) -> None:
        self._returned: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()

    def note(self, conn: object) -> None:
        self._returned[conn] = time.monotonic()

    def needs_probe(self, conn: object) -> bool:
        returned = self._returned.pop(conn, None)
        return returned is None or time.monotonic() - returned > PROBE_AFTER_IDLE_S


class ApiConnectionPool(psycopg_pool.ConnectionPool):
    """The pool, probing only connections that have sat in it for more than ``PROBE_AFTER_IDLE_S`` (one
    empty query before lending it), so a restarted server's dead connections are found and replaced; one
    returned moments ago is lent as it is. Probing every checkout cost a round trip per request, for
    connections that had just been used. (The return time is noted in ``putconn``: a ``reset`` callback
    would hand every return to the pool's worker thread.)"""

    def __init__(self, *args, **kwargs) -> None:
        self._returns = _ReturnTimes()
        super().__init__(*args, check=self._check_if_idle, **kwargs)

    def putconn(self, conn: psycopg.Connection) -> None:
        self._returns.note(conn)
        super().putconn(conn)

    def _check_if_idle(self, conn: psycopg.Connection) -> None:
        if self._returns.needs_probe(conn):
            self.check_connection(conn)


class ApiAsyncConnectionPool(psycopg_pool.AsyncConnectionPool):
    """The event loop's pool, probing idle connections like :class:`ApiConnectionPool`."""

    def __init__(self, *args, **kwargs) -> None:
        self._returns = _ReturnTimes()
        super().__init__(*args, check=self._check_if_idle, **kwargs)

    async def putconn(self, conn: psycopg.AsyncConnection) -> None:
        self._returns.note(conn)
        await super().putconn(conn)

    async def _check_if_idle(self, conn: psycopg.AsyncConnection) -> None:
        if self._returns.needs_probe(conn):
            await self.check_connection(conn)


def _pool_options(settings: Settings, name: str, min_size: int, max_size: int) -> dict:
    # Autocommit: reads hold no transaction; writes open one explicitly (conn.transaction()).
    return {
        "conninfo": settings.database_url,
        "min_size": min_size,
        "max_size": max_size,
        "timeout": POOL_TIMEOUT_S,
        "kwargs": {"autocommit": True, "connect_timeout": 5},
        "name": name,
        "open": False,
    }


@dataclass
class Resources:
    settings: Settings
    jwt_secret: str = field(repr=False)
    pool: psycopg_pool.ConnectionPool
    publisher: Publisher
    redis: redis.Redis
    http: SearchClient  # Elasticsearch's REST API
    tokens: TokenCache  # tokens verified once, served until they expire
    redis_async: aioredis.Redis  # for reads on the event loop (the queue), no thread hand-off
    dead_letters: DeadLetterIndex  # the admin pages' view of the dead-letter topics, read incrementally
    # For statements run on the event loop (the 360 view: one statement, no thread hand-off) and for the
    # writes (actions, payments); opened by open_async_resources, as an asyncio pool needs the running loop.
    pool_async: psycopg_pool.AsyncConnectionPool | None = None
    write_pool_async: psycopg_pool.AsyncConnectionPool | None = None
    # Agents' queue pages kept in memory while the watcher follows the queues' events (api/queue_pages.py).
    queue_pages: QueuePages | None = None
    # Whether an agent is in a team, for team supervisors' queue reads (api/visibility.py).
    team_members: TeamMembers = field(default_factory=TeamMembers)
    # The latest business date of the search index, asked at most once a second (api/queries/search.py).
    latest_dates: LatestDates = field(default_factory=LatestDates)
    _watcher: asyncio.Task | None = field(default=None, repr=False)
    _watcher_redis: aioredis.Redis | None = field(default=None, repr=False)


def open_resources(settings: Settings, delivery_timeout_s: float) -> Resources:
    pool = ApiConnectionPool(**_pool_options(settings, "api", POOL_MIN_SIZE, POOL_MAX_SIZE))
    pool.open(wait=False)
    producer = make_api_producer(settings, delivery_timeout_s)
    jwt_secret = settings.resolved_jwt_secret()
    return Resources(
        settings=settings,
        jwt_secret=jwt_secret,
        pool=pool,
        publisher=Publisher(producer, settings, delivery_timeout_s, DeliveryReports(producer)),
        redis=redis.Redis.from_url(
            settings.redis_url, socket_timeout=PROBE_TIMEOUT_S, socket_connect_timeout=PROBE_TIMEOUT_S
        ),
        http=SearchClient(settings.elasticsearch_url, PROBE_TIMEOUT_S, SEARCH_CONNECTIONS),
        tokens=TokenCache(jwt_secret),
        redis_async=aioredis.Redis.from_url(
            settings.redis_url, socket_timeout=PROBE_TIMEOUT_S, socket_connect_timeout=PROBE_TIMEOUT_S
        ),
        dead_letters=DeadLetterIndex(settings),
    )


async def open_async_resources(resources: Resources) -> None:
    settings = resources.settings
    options = _pool_options(settings, "api-async", ASYNC_POOL_MIN_SIZE, ASYNC_POOL_MAX_SIZE)
    resources.pool_async = ApiAsyncConnectionPool(**options)
    await resources.pool_async.open(wait=False)
    options = _pool_options(settings, "api-async-writes", WRITE_POOL_MIN_SIZE, WRITE_POOL_MAX_SIZE)
    resources.write_pool_async = ApiAsyncConnectionPool(**options)
    await resources.write_pool_async.open(wait=False)
    resources.queue_pages = QueuePages(
        resources.redis_async,
        settings.namespace,
        rules=deployment_rules(settings),
    )
    # a connection of its own, which XREAD BLOCK holds: its timeout must outlast the block
    resources._watcher_redis = aioredis.Redis.from_url(
        settings.redis_url,
        socket_timeout=BLOCK_MS / 1000 + PROBE_TIMEOUT_S,
        socket_connect_timeout=PROBE_TIMEOUT_S,
    )
    resources._watcher = asyncio.create_task(
        resources.queue_pages.follow(resources._watcher_redis), name="queue-pages-watcher"
    )


async def _stop_watcher(resources: Resources) -> None:
    """Stop the queue pages' watcher and close its connection. The Redis client can lose a cancellation
    that arrives while it connects (seen with redis 8.1), leaving the watcher in its next blocking read:
    closing the connection ends that read, and the stopped watcher then returns."""
    task = resources._watcher
    if task is not None and resources.queue_pages is not None:
        resources.queue_pages.stop()
        task.cancel()
    if resources._watcher_redis is not None:
        await resources._watcher_redis.aclose()
    if task is not None:
        await asyncio.wait({task}, timeout=WATCHER_STOP_S)
        if not task.done():
            log.warning("the queue pages' watcher did not stop in %s s", WATCHER_STOP_S)


async def close_resources(resources: Resources) -> None:
    await _stop_watcher(resources)
    resources.publisher.close()
    for pool in (resources.pool_async, resources.write_pool_async):
        if pool is not None:
            await pool.close()
    resources.pool.close()
    resources.redis.close()
    await resources.redis_async.aclose()
    await resources.http.aclose()

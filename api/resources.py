"""What the API holds open while it runs: a PostgreSQL pool, a Kafka producer, Redis and Elasticsearch
clients. Opened by the app's lifespan, never at import; none of them needs its service to be up to open,
so the API starts (and reports the outage on /api/health) while a dependency is down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import psycopg_pool
import redis

from api.publishing import Publisher, make_api_producer

if TYPE_CHECKING:
    from crm.settings import Settings

POOL_MAX_SIZE = 20
POOL_TIMEOUT_S = 5.0  # waiting longer for a connection than this answers 503
PROBE_TIMEOUT_S = 2.0


@dataclass
class Resources:
    settings: Settings
    jwt_secret: str
    pool: psycopg_pool.ConnectionPool
    publisher: Publisher
    redis: redis.Redis
    http: httpx.AsyncClient  # Elasticsearch's REST API


def open_resources(settings: Settings, delivery_timeout_s: float) -> Resources:
    pool = psycopg_pool.ConnectionPool(
        settings.database_url,
        min_size=1,
        max_size=POOL_MAX_SIZE,
        timeout=POOL_TIMEOUT_S,
        # Autocommit: reads hold no transaction; writes open one explicitly (conn.transaction()).
        kwargs={"autocommit": True, "connect_timeout": 5},
        check=psycopg_pool.ConnectionPool.check_connection,  # a restarted server's dead connections
        name="api",
        open=False,
    )
    pool.open(wait=False)
    producer = make_api_producer(settings, delivery_timeout_s)
    return Resources(
        settings=settings,
        jwt_secret=settings.resolved_jwt_secret(),
        pool=pool,
        publisher=Publisher(producer, settings, delivery_timeout_s),
        redis=redis.Redis.from_url(
            settings.redis_url, socket_timeout=PROBE_TIMEOUT_S, socket_connect_timeout=PROBE_TIMEOUT_S
        ),
        http=httpx.AsyncClient(base_url=settings.elasticsearch_url, timeout=PROBE_TIMEOUT_S),
    )


async def close_resources(resources: Resources) -> None:
    resources.publisher.producer.flush(5)
    resources.pool.close()
    resources.redis.close()
    await resources.http.aclose()

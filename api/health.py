"""Probes of each dependency, run concurrently, each bounded by a short timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import anyio.to_thread

from api.resources import PROBE_TIMEOUT_S, Resources
from contracts.api import HealthPublic, ServiceHealth
from crm.settings import redact_credentials
from domain.wording import count_of
from infra.migrate import missing_migrations


def _postgres(resources: Resources) -> str:
    with resources.pool.connection(timeout=PROBE_TIMEOUT_S) as conn:
        missing = missing_migrations(conn)
    if missing:  # e.g. an upgrade without `crm init`: the statements of the newer code would fail
        named = ", ".join(missing) if len(missing) <= 3 else f"{missing[0]} and {len(missing) - 1} more"
        raise RuntimeError(f"the schema is behind this version: {named} not applied; run `crm init`")
    return ""


def _kafka(resources: Resources) -> str:
    metadata = resources.publisher.producer.list_topics(timeout=PROBE_TIMEOUT_S)
    return count_of(len(metadata.brokers), "broker")


def _redis(resources: Resources) -> str:
    resources.redis.ping()
    return ""


async def _elasticsearch(resources: Resources) -> str:
    response = await resources.http.get("/_cluster/health")
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {response.text[:200]}")
    status = response.json().get("status")
    if status not in ("green", "yellow"):
        raise RuntimeError(f"cluster status {status}")
    return f"cluster status {status}"


async def _probe(name: str, check: Callable[[], Awaitable[str]]) -> ServiceHealth:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(), PROBE_TIMEOUT_S + 1)
        healthy = True
    except Exception as error:  # any failure means "down"; the reason is reported, not raised
        reason = (str(error).strip().splitlines() or [type(error).__name__])[-1]
        detail, healthy = redact_credentials(reason)[:300], False
    latency = round((time.perf_counter() - started) * 1000, 1)
    return ServiceHealth(name=name, healthy=healthy, latency_ms=latency, detail=detail)


def _in_thread(probe: Callable[[Resources], str], resources: Resources) -> Callable[[], Awaitable[str]]:
    return lambda: anyio.to_thread.run_sync(probe, resources, abandon_on_cancel=True)


async def check_all(resources: Resources) -> HealthPublic:
    services = await asyncio.gather(
        _probe("postgresql", _in_thread(_postgres, resources)),
        _probe("kafka", _in_thread(_kafka, resources)),
        _probe("redis", _in_thread(_redis, resources)),
        _probe("elasticsearch", lambda: _elasticsearch(resources)),
    )
    status = "ok" if all(service.healthy for service in services) else "degraded"
    return HealthPublic(status=status, services=list(services))

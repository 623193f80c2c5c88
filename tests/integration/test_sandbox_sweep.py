"""Throw-away namespaces left by a killed process are removed by the next one (`infra.sandbox`): its
schema, topics, indices and Redis keys. Those of a running process, and kept ones, stay."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import uuid

import psycopg
import pytest
import redis

from crm.settings import Settings
from infra.kafka_topics import existing_topics
from infra.sandbox import create_namespace, namespace_settings, remove_namespace, sweep_abandoned
from infra.search_indices import alias_name, make_client

pytestmark = pytest.mark.integration

# A throw-away namespace made by a process that then waits to be killed (so it never removes it).
HOLDER = textwrap.dedent(
    """
    import sys, time
    from crm.settings import Settings
    from infra.sandbox import throwaway_namespace
    base = Settings(**dict(a.split("=", 1) for a in sys.argv[2:]))
    with throwaway_namespace(base, sys.argv[1], {}) as (s, _):
        import redis
        redis.Redis.from_url(s.redis_url).set(f"{s.namespace}marker", 1)
        print("ready", flush=True)
        time.sleep(600)
    """
)


def _hold(addresses: dict[str, str], tag: str) -> subprocess.Popen:
    arguments = [f"{name}={value}" for name, value in addresses.items()]
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, tag, *arguments, "topic_partitions=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def _present(base: Settings, tag: str) -> dict[str, bool]:
    settings = namespace_settings(base, tag)
    with psycopg.connect(base.database_url) as conn:
        schema = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", (f"ns_{tag}",)
        ).fetchone()
    client = make_client(settings)
    try:
        index = client.indices.exists_alias(name=alias_name("customers", settings)).body
    finally:
        client.close()
    return {
        "schema": schema == (1,),
        "topics": any(t.startswith(settings.namespace) for t in existing_topics(settings)),
        "index": bool(index),
        "redis": bool(redis.Redis.from_url(base.redis_url).exists(f"{settings.namespace}marker")),
    }


def test_the_namespace_of_a_killed_process_is_swept_and_others_are_not(service_addresses):
    base = Settings(**service_addresses)
    killed, running, kept = (f"sweep{uuid.uuid4().hex[:6]}" for _ in range(3))
    everything = {"schema": True, "topics": True, "index": True, "redis": True}
    victim, holder = _hold(service_addresses, killed), _hold(service_addresses, running)
    create_namespace(base, kept)
    try:
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert _present(base, killed) == everything

        removed = sweep_abandoned(base)

        assert f"{killed}." in removed and f"{running}." not in removed and f"{kept}." not in removed
        assert _present(base, killed) == dict.fromkeys(everything, False)
        assert _present(base, running) == everything
        assert _present(base, kept) | {"redis": True} == everything  # no marker written there
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=10)
        for tag in (killed, running, kept):
            remove_namespace(base, tag)

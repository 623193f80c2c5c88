"""Where the tests find their services: a ``CRM_*`` address from the environment first, then a
Testcontainers container when a Docker engine answers, then the native stack (``crm stack up``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from crm.settings import Settings

# settings field → (environment variable, native stack service name)
SERVICES = {
    "kafka_brokers": ("CRM_KAFKA_BROKERS", "kafka"),
    "database_url": ("CRM_DATABASE_URL", "postgres"),
    "redis_url": ("CRM_REDIS_URL", "redis"),
    "elasticsearch_url": ("CRM_ELASTICSEARCH_URL", "elasticsearch"),
}


def docker_answers() -> bool:
    if os.environ.get("CRM_TESTS_NO_DOCKER"):
        return False
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        client.close()
        return True
    except Exception:  # no engine, no socket, no permission: all mean "not available"
        return False


@contextlib.contextmanager
def _containers(fields: list[str]) -> Iterator[dict[str, str]]:
    """Start a Testcontainers container for each field; yield their addresses."""
    from testcontainers.elasticsearch import ElasticSearchContainer
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    with contextlib.ExitStack() as stack:
        found: dict[str, str] = {}
        for field in fields:
            if field == "kafka_brokers":
                kafka = stack.enter_context(KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft())
                found[field] = kafka.get_bootstrap_server()
            elif field == "database_url":
                pg = stack.enter_context(PostgresContainer("postgres:15", driver=None))
                found[field] = pg.get_connection_url()
            elif field == "redis_url":
                redis = stack.enter_context(RedisContainer("redis:7"))
                port = redis.get_exposed_port(6379)
                found[field] = f"redis://{redis.get_container_host_ip()}:{port}/0"
            elif field == "elasticsearch_url":
                es = stack.enter_context(
                    ElasticSearchContainer(
                        "docker.elastic.co/elasticsearch/elasticsearch:9.2.0", mem_limit="2g"
                    )
                )
                found[field] = es.get_url()
        yield found


@contextlib.contextmanager
def resolve_services(base: Settings) -> Iterator[dict[str, str]]:
    """Addresses for every service, by the documented order of preference."""
    from_env = {field: os.environ[var] for field, (var, _) in SERVICES.items() if os.environ.get(var)}
    missing = [field for field in SERVICES if field not in from_env]
    if not missing:
        yield from_env
        return
    if docker_answers():
        with _containers(missing) as found:
            yield {**from_env, **found}
        return
    from infra.stack import manager

    manager.up(base, [SERVICES[field][1] for field in missing])
    yield {**from_env, **{field: getattr(base, field) for field in missing}}


@contextlib.contextmanager
def isolated_settings(addresses: dict[str, str], schema: str, namespace: str) -> Iterator[Settings]:
    """Settings on real services inside a PostgreSQL schema and topic/index namespace of their own.

    The schema is dropped afterwards; topics and indices are the caller's to remove.
    """
    from infra.sandbox import schema_of_its_own

    with schema_of_its_own(Settings(**addresses, topic_partitions=2), schema, namespace) as settings:
        yield settings


@contextlib.contextmanager
def initialized_namespace(
    addresses: dict[str, str], tag: str, base_env: dict[str, str]
) -> Iterator[tuple[Settings, dict[str, str]]]:
    """A namespace of its own with topics, schema and indices created, and the `crm` environment for it;
    everything is removed afterwards. For tests whose assertions count what is in the topics."""
    from infra.sandbox import throwaway_namespace

    with throwaway_namespace(Settings(**addresses, topic_partitions=2), tag, base_env) as (settings, env):
        yield settings, env

"""Throw-away namespaces on real services, for tests and benchmarks that must not see each other's data.

A namespace prefixes every topic and index name; a PostgreSQL schema of its own (via ``search_path``) holds
its tables; Redis keys carry the namespace too. `throwaway_namespace` creates all of it like `crm init` and
removes all of it afterwards, including the stream framework's own changelog and repartition topics;
`create_namespace` and `remove_namespace` do each half alone, for data a benchmark keeps between runs.

A process killed mid-way (a test run stopped with kill -9, a benchmark interrupted twice) never reaches
the removal: its topics, indices and Redis keys would stay for good, and on a laptop's single-node
Elasticsearch leftover indices add up to its shard limit. So a throw-away schema carries a lease (a comment
naming the namespace, the process and the host), and every new throw-away namespace first removes those
whose process on this host is gone (`sweep_abandoned`). Kept namespaces have no lease and are never swept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator, Mapping
from urllib.parse import quote

import orjson
import psycopg
from psycopg import sql

from crm.settings import Settings

log = logging.getLogger(__name__)
LEASE_KIND = "crm throw-away namespace"


def with_search_path(database_url: str, schema: str) -> str:
    """The URL with a search_path, so that the tables live in a schema of their own."""
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}options={quote(f'-c search_path={schema}')}"


def _create_schema(base: Settings, schema: str) -> None:
    with psycopg.connect(base.database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def _drop_schema(base: Settings, schema: str) -> None:
    with psycopg.connect(base.database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _inside(base: Settings, schema: str, namespace: str) -> Settings:
    return base.model_copy(
        update={"database_url": with_search_path(base.database_url, schema), "namespace": namespace}
    )


def _lease(namespace: str) -> str:
    return orjson.dumps(
        {"kind": LEASE_KIND, "namespace": namespace, "pid": os.getpid(), "host": socket.gethostname()}
    ).decode()


def _write_lease(base: Settings, schema: str, namespace: str) -> None:
    with psycopg.connect(base.database_url, autocommit=True) as conn:
        statement = sql.SQL("COMMENT ON SCHEMA {} IS {}")
        conn.execute(statement.format(sql.Identifier(schema), sql.Literal(_lease(namespace))))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def abandoned_namespaces(base: Settings) -> list[tuple[str, str]]:
    """(schema, namespace) of each throw-away namespace whose process on this host is no longer running."""
    with psycopg.connect(base.database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname, obj_description(oid, 'pg_namespace') FROM pg_namespace"
            " WHERE obj_description(oid, 'pg_namespace') LIKE %s",
            (f'%"kind":"{LEASE_KIND}"%',),
        ).fetchall()
    abandoned = []
    host = socket.gethostname()
    for schema, comment in rows:
        lease = orjson.loads(comment)
        if lease.get("host") == host and not _running(int(lease["pid"])):
            abandoned.append((schema, lease["namespace"]))
    return abandoned


def sweep_abandoned(base: Settings) -> list[str]:
    """Remove every abandoned throw-away namespace (see the module's docstring); the namespaces removed.
    A failure is logged, not raised: the caller's own work does not depend on it."""
    removed = []
    try:
        for schema, namespace in abandoned_namespaces(base):
            _remove_outside_postgres(_inside(base, schema, namespace))
            _drop_schema(base, schema)
            log.info("abandoned throw-away namespace removed", extra={"namespace": namespace})
            removed.append(namespace)
    except Exception as error:  # noqa: BLE001 - housekeeping only
        log.warning("could not remove abandoned throw-away namespaces", extra={"error": str(error)})
    return removed


@contextlib.contextmanager
def schema_of_its_own(base: Settings, schema: str, namespace: str) -> Iterator[Settings]:
    """``base`` inside a PostgreSQL schema and a topic/index namespace of their own; the schema is dropped
    afterwards (topics and indices are the caller's to remove). Abandoned ones are swept first."""
    sweep_abandoned(base)
    _create_schema(base, schema)
    _write_lease(base, schema, namespace)
    try:
        yield _inside(base, schema, namespace)
    finally:
        _drop_schema(base, schema)


def _schema(tag: str) -> str:
    return f"ns_{tag}"


def namespace_settings(base: Settings, tag: str) -> Settings:
    """``base`` pointed at namespace ``<tag>.``: its topics, indices and PostgreSQL schema ``ns_<tag>``."""
    return _inside(base, _schema(tag), f"{tag}.")


def namespace_env(settings: Settings, base_env: Mapping[str, str]) -> dict[str, str]:
    """The environment that points `crm` commands at ``settings``' namespace."""
    return {**base_env, "CRM_NAMESPACE": settings.namespace, "CRM_DATABASE_URL": settings.database_url}


def _populate(settings: Settings) -> None:
    from infra.kafka_topics import ensure_topics
    from infra.migrate import migrate
    from infra.search_indices import ensure_indices

    ensure_topics(settings)
    migrate(settings.database_url)
    ensure_indices(settings)


def _remove_outside_postgres(settings: Settings) -> None:
    """The namespace's topics (the stream framework's changelog and repartition topics too), indices and
    Redis keys."""
    import redis

    from infra.kafka_topics import delete_topics, existing_topics
    from infra.search_indices import delete_indices

    ns = settings.namespace
    prefixes = (ns, f"changelog__{ns}", f"repartition__{ns}")
    delete_topics(settings, [t for t in existing_topics(settings) if t.startswith(prefixes)])
    delete_indices(settings)
    client = redis.Redis.from_url(settings.redis_url)
    for key in client.scan_iter(f"{ns}*", count=10_000):
        client.delete(key)


def create_namespace(base: Settings, tag: str) -> Settings:
    """Namespace ``<tag>.`` with its schema, topics, tables and indices, made like `crm init` and kept (see
    `remove_namespace`); idempotent: an existing one is left as it is, migrated to the latest schema."""
    _create_schema(base, _schema(tag))
    settings = namespace_settings(base, tag)
    _populate(settings)
    return settings


def remove_namespace(base: Settings, tag: str) -> None:
    """Everything of namespace ``<tag>.``: topics, indices, Redis keys and schema. Idempotent."""
    try:
        _remove_outside_postgres(namespace_settings(base, tag))
    finally:
        _drop_schema(base, _schema(tag))


@contextlib.contextmanager
def throwaway_namespace(
    base: Settings, tag: str, base_env: Mapping[str, str]
) -> Iterator[tuple[Settings, dict[str, str]]]:
    """Namespace ``<tag>.`` with its topics, tables and indices created, and the environment that points
    `crm` commands at it; topics (the framework's internal ones too), indices, Redis keys and the schema are
    removed afterwards."""
    with schema_of_its_own(base, _schema(tag), f"{tag}.") as settings:
        _populate(settings)
        try:
            yield settings, namespace_env(settings, base_env)
        finally:
            _remove_outside_postgres(settings)

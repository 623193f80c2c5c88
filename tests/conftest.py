"""Fixtures shared by the integration and end-to-end tests.

Each test session works in its own namespace: topics and search indices behind a ``t<id>.`` prefix and a
PostgreSQL schema of its own, so runs never see each other's data and leave nothing behind.
"""

from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from crm.logging import configure_logging
from crm.settings import Settings
from tests.services import isolated_settings, resolve_services


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def service_addresses() -> Iterator[dict[str, str]]:
    with resolve_services(Settings()) as addresses:
        yield addresses


@pytest.fixture(scope="session")
def settings(service_addresses: dict[str, str], run_id: str) -> Iterator[Settings]:
    """Settings pointing at real services, isolated in this session's namespace and schema."""
    with isolated_settings(service_addresses, f"test_{run_id}", f"t{run_id}.") as test_settings:
        yield test_settings


@pytest.fixture(scope="session")
def initialized(settings: Settings) -> Iterator[Settings]:
    """Settings after `crm init`'s three steps; topics and indices are removed at the end."""
    from infra.kafka_topics import delete_topics, ensure_topics, existing_topics
    from infra.migrate import migrate
    from infra.search_indices import delete_indices, ensure_indices

    ensure_topics(settings)
    migrate(settings.database_url)
    ensure_indices(settings)
    yield settings
    delete_topics(
        settings, [name for name in existing_topics(settings) if name.startswith(settings.namespace)]
    )
    delete_indices(settings)


@pytest.fixture(scope="session")
def cli_env(settings: Settings) -> dict[str, str]:
    """The environment for running `crm` as a subprocess against this session's services."""
    env = dict(os.environ)
    env.update(
        CRM_KAFKA_BROKERS=settings.kafka_brokers,
        CRM_DATABASE_URL=settings.database_url,
        CRM_REDIS_URL=settings.redis_url,
        CRM_ELASTICSEARCH_URL=settings.elasticsearch_url,
        CRM_NAMESPACE=settings.namespace,
        CRM_TOPIC_PARTITIONS=str(settings.topic_partitions),
        CRM_STATE_DIR=str(settings.state_dir),
        # no /metrics endpoints nor Prometheus target files for the tests' processors (a test that checks
        # metrics sets its own port)
        CRM_METRICS_PORT="0",
    )
    return env


@pytest.fixture
def captured_logs() -> Iterator[Callable[[bool], io.StringIO]]:
    """The project's own logging (DEBUG, JSON or key=value) into a buffer; the root logger restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()

    def configure(json: bool) -> io.StringIO:
        configure_logging("DEBUG", json, stream=buffer)
        return buffer

    yield configure
    root.handlers[:], level = saved
    root.setLevel(level)

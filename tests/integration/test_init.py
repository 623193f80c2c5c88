from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from confluent_kafka.admin import ConfigResource

from infra.errors import InfraError
from infra.kafka_topics import existing_topics
from infra.migrate import load_migrations, migrate
from infra.sandbox import with_search_path
from infra.search_indices import INDEX_VERSIONS, make_client
from tests.services import isolated_settings
from topics import ALL_TOPICS, physical_name
from topics.clients import make_admin

pytestmark = pytest.mark.integration


def crm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crm", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def fresh(service_addresses, run_id, cli_env):
    """A namespace and schema nobody has initialised yet; removed afterwards."""
    from infra.kafka_topics import delete_topics
    from infra.search_indices import delete_indices

    with isolated_settings(service_addresses, f"init_{run_id}", f"i{run_id}.") as settings:
        yield (
            settings,
            {**cli_env, "CRM_NAMESPACE": settings.namespace, "CRM_DATABASE_URL": settings.database_url},
        )
        delete_topics(settings, [physical_name(spec.name, settings) for spec in ALL_TOPICS])
        delete_indices(settings)


def test_init_twice_creates_everything_once(fresh):
    settings, env = fresh
    first = crm(env, "init")
    assert first.returncode == 0, first.stderr
    assert f"topics: {len(ALL_TOPICS)} created" in first.stderr
    assert "applied 0001_bank_entities" in first.stderr
    assert "search indices: 1 created" in first.stderr

    second = crm(env, "init")
    assert second.returncode == 0, second.stderr
    assert "created" not in second.stderr
    assert f"topics: {len(ALL_TOPICS)} exists" in second.stderr
    assert "database: up to date" in second.stderr
    assert "search indices: 1 exists" in second.stderr

    present = existing_topics(settings)
    for spec in ALL_TOPICS:
        assert present[physical_name(spec.name, settings)] == spec.partition_count(settings)
    admin = make_admin(settings)
    for name, policy in (("bank.loans", "compact"), ("payments", "delete")):
        resource = ConfigResource("topic", physical_name(name, settings))
        config = admin.describe_configs([resource])[resource].result(timeout=30)
        assert config["cleanup.policy"].value == policy

    with psycopg.connect(settings.database_url) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
        assert versions == [m.version for m in load_migrations()]
        assert conn.execute("SELECT count(*) FROM loans").fetchone() == (0,)

    es = make_client(settings)
    try:
        alias = f"{settings.namespace}customers"
        assert list(es.indices.get_alias(name=alias)) == [f"{alias}-v{INDEX_VERSIONS['customers']}"]
    finally:
        es.close()


def test_migrate_refuses_an_edited_migration(service_addresses, run_id, tmp_path):
    base = service_addresses["database_url"]
    schema = f"edit_{run_id}"
    schema_url = with_search_path(base, schema)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        (tmp_path / "0001_first.sql").write_text("CREATE TABLE t1 (id int);")
        assert [m.version for m in migrate(schema_url, tmp_path)] == [1]
        assert migrate(schema_url, tmp_path) == []
        (tmp_path / "0002_second.sql").write_text("CREATE TABLE t2 (id int);")
        assert [m.version for m in migrate(schema_url, tmp_path)] == [2]
        (tmp_path / "0001_first.sql").write_text("CREATE TABLE t1 (id bigint);")
        with pytest.raises(InfraError, match="0001_first.sql changed after it was applied"):
            migrate(schema_url, tmp_path)
        # a failing migration is rolled back whole and not recorded
        (tmp_path / "0001_first.sql").write_text("CREATE TABLE t1 (id int);")
        (tmp_path / "0003_broken.sql").write_text("CREATE TABLE t3 (id int); CREATE TABLE t2 (id int);")
        with pytest.raises(psycopg.errors.DuplicateTable):
            migrate(schema_url, tmp_path)
        with psycopg.connect(schema_url) as conn:
            assert [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")] == [1, 2]
            assert conn.execute("SELECT to_regclass('t3')").fetchone() == (None,)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_migrate_creates_the_schema_its_search_path_names(service_addresses, run_id, tmp_path):
    """A run beside others names a schema of its own in the URL (docs/demo.md): one that does not exist yet
    is created, where PostgreSQL refused every table ("no schema has been selected to create in") and the
    lock's release in the aborted transaction hid even that."""
    base = service_addresses["database_url"]
    schema = f"New_{run_id}"  # a capital letter: the name is quoted, not folded
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t1 (id int);")
    try:
        assert [m.version for m in migrate(with_search_path(base, f'"{schema}",public'), tmp_path)] == [1]
        with psycopg.connect(base) as conn:
            table = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".t1',)).fetchone()[0]
            assert table is not None
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize(
    ("variable", "address", "skip", "message"),
    [
        (
            "CRM_KAFKA_BROKERS",
            "127.0.0.1:1",
            ("--no-database", "--no-search"),
            "cannot reach Kafka at 127.0.0.1:1",
        ),
        (
            "CRM_DATABASE_URL",
            "postgresql://crm:secret@127.0.0.1:1/crm",
            ("--no-topics", "--no-search"),
            "cannot reach PostgreSQL (postgresql://crm:***@127.0.0.1:1/crm)",
        ),
        (
            "CRM_ELASTICSEARCH_URL",
            "http://127.0.0.1:1",
            ("--no-topics", "--no-database"),
            "cannot reach Elasticsearch at http://127.0.0.1:1",
        ),
    ],
    ids=["kafka", "postgres", "elasticsearch"],
)
def test_init_names_an_unreachable_service_in_one_line(cli_env, variable, address, skip, message):
    result = crm({**cli_env, variable: address}, "init", *skip)
    assert result.returncode == 2
    assert message in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_deleted_topics_are_no_longer_listed_when_the_deletion_returns(fresh):
    """A replay deletes a processor's changelog and starts it again: a changelog still listed would be
    found and restored from. The broker lists a deleted topic for a moment after answering the deletion."""
    from infra.kafka_topics import delete_topics, ensure_topics

    settings, _env = fresh
    outcomes = ensure_topics(settings)
    assert {outcome.status for outcome in outcomes} == {"created"}
    names = [outcome.name for outcome in outcomes]

    delete_topics(settings, names)

    assert not set(names) & existing_topics(settings).keys()

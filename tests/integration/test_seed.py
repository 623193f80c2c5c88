"""`crm.seed` over real PostgreSQL and Kafka: configuration already stored is published again only to a topic
that never held any (a reset Kafka, or a namespace of its own over the same database)."""

from __future__ import annotations

import uuid

import orjson
import pytest

from crm.errors import CrmError
from crm.generator.agents import agents
from crm.generator.strategy import demo_strategy_groups
from crm.seed import seed_agents, seed_strategy
from infra.kafka_topics import delete_topics, ensure_topics, existing_topics
from tests.kafka_helpers import message_count
from topics import physical_name

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh_topics(initialized):
    """Another namespace's topics, over the same database: what a reset Kafka looks like to PostgreSQL."""
    other = initialized.model_copy(
        update={"namespace": f"{initialized.namespace}seed{uuid.uuid4().hex[:6]}."}
    )
    ensure_topics(other)
    yield other
    delete_topics(other, [name for name in existing_topics(other) if name.startswith(other.namespace)])


def test_stored_configuration_is_published_again_only_to_a_topic_that_never_held_it(
    initialized, fresh_topics, tmp_path
):
    tag = uuid.uuid4().hex[:6].upper()
    configs = [{**agent, "agent_id": f"SEED{tag}{n}"} for n, agent in enumerate(agents(7, 3))]
    agents_file = tmp_path / "config.agents.jsonl"
    agents_file.write_bytes(b"".join(orjson.dumps(config) + b"\n" for config in configs))
    strategy_id = f"seed-{tag.lower()}"

    def published(settings, topic: str) -> int:
        return message_count(settings.kafka_brokers, physical_name(topic, settings))

    assert seed_agents(initialized, agents_file) == 3
    version = seed_strategy(initialized, demo_strategy_groups(), strategy_id)
    before = published(initialized, "config.agents"), published(initialized, "config.strategies")
    assert seed_agents(initialized, agents_file) == 0  # stored and published: nothing again
    assert seed_strategy(initialized, demo_strategy_groups(), strategy_id) == version
    assert (published(initialized, "config.agents"), published(initialized, "config.strategies")) == before

    # the same database, topics that never held a message: the processors there would have no agents
    assert seed_agents(fresh_topics, agents_file) == 3
    assert published(fresh_topics, "config.agents") == 3
    assert seed_strategy(fresh_topics, demo_strategy_groups(), strategy_id) == version + 1
    assert published(fresh_topics, "config.strategies") == 1


def test_a_strategy_the_api_would_refuse_is_said_so_plainly(initialized):
    """`crm demo` seeds its strategy through the admin API's checks: a case state the dictionaries lack
    (the saved ones an admin edited while another version was live) stops the demo with the API's reason,
    not a traceback."""
    groups = demo_strategy_groups()
    place, legal = next((n, c) for n, c in enumerate(groups[0]["campaigns"]) if c["id"] == "LEGAL")
    legal["conditions"] = [{"field": "case.state", "operator": "=", "value": "LAWYERS"}]
    with pytest.raises(
        CrmError,
        match=rf"strategy 'seed-refused' was refused: groups\.0\.campaigns\.{place}\.conditions"
        r"\.0\.value: case\.state has no code 'LAWYERS'",
    ):
        seed_strategy(initialized, groups, "seed-refused")

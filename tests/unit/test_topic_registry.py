from __future__ import annotations

import pytest

from crm.settings import Settings
from topics import ALL_TOPICS, INBOUND_TOPICS, INGEST_ORDER, TopicKind, dlq_of, get_topic, physical_name
from topics.registry import UnknownTopicError


def test_names_are_unique_and_legal_kafka_names():
    names = [spec.name for spec in ALL_TOPICS]
    assert len(names) == len(set(names))
    for name in names:
        assert name.replace(".", "").replace("-", "").replace("_", "").isalnum(), name


@pytest.mark.parametrize(
    "spec",
    INBOUND_TOPICS + (get_topic("config.agents"), get_topic("crm.contacts"), get_topic("crm.cases")),
    ids=lambda s: s.name,
)
def test_every_input_topic_has_a_dlq_twin_and_a_contract_with_its_key(spec):
    twin = dlq_of(spec.name)
    assert twin.name == f"{spec.name}.dlq" and twin.kind is TopicKind.DLQ
    assert twin.retention_ms == -1, "dead letters must not expire before an operator sees them"
    contract = spec.contract()
    assert contract is not None
    assert spec.key_field in contract.model_fields


def test_interface_topics_are_declared_and_every_input_has_an_ingest_place():
    outbound = ("delinquency.loans", "delinquency.customers", "delinquency.transitions", "promises")
    for name in (*INGEST_ORDER, *outbound, "config.strategies"):
        assert get_topic(name).name == name
    ingestable = {spec.name for spec in ALL_TOPICS if spec.kind in (TopicKind.INBOUND, TopicKind.CONFIG)}
    published_by_the_api_only = {"config.strategies", "allocation.overrides", "crm.contacts", "crm.cases"}
    assert ingestable - published_by_the_api_only == set(INGEST_ORDER)


def test_entity_snapshots_are_compacted_and_facts_kept_forever():
    for name in ("bank.customers", "bank.loans", "bank.collaterals", "config.agents", "delinquency.loans"):
        assert get_topic(name).broker_config()["cleanup.policy"] == "compact"
    for name in ("payments", "agent.actions", "ops.business-date"):
        config = get_topic(name).broker_config()
        assert config["cleanup.policy"] == "delete"
        assert config["retention.ms"] == "-1"


def test_business_date_is_a_single_ordered_partition():
    settings = Settings(topic_partitions=12)
    assert get_topic("ops.business-date").partition_count(settings) == 1
    assert get_topic("bank.loans").partition_count(settings) == 12


def test_namespace_prefixes_physical_names():
    assert physical_name("payments", Settings(namespace="")) == "payments"
    assert physical_name("payments", Settings(namespace="t1.")) == "t1.payments"


def test_unknown_topic_names_the_known_ones():
    with pytest.raises(UnknownTopicError) as error:
        get_topic("bank.loan")
    assert "unknown topic 'bank.loan'" in str(error.value)
    assert "bank.loans" in str(error.value)

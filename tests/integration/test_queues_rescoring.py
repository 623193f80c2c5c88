"""New priority weights (`CRM_QUEUE_PRIORITY_WEIGHTS`) re-score the queues in Redis when the queues
processor starts with them: each partition's marker names the weights its entries were scored with, and a
marker that is not the processor's own makes it write the partition's entries again (`QueueRebuilder`)."""

from __future__ import annotations

from datetime import date

import pytest
import redis

from domain.priority import PriorityWeights
from processors.queues import logic
from processors.queues.app import _member_change
from processors.queues.layout import delete_all_queues, queue_key, written_marker_key
from processors.queues.rebuild import QueueRebuilder, scoring_mark
from tests.fakes import DictState

pytestmark = pytest.mark.integration
DAY = date(2026, 3, 2)


@pytest.fixture
def namespace(service_addresses, run_id):
    client = redis.Redis.from_url(service_addresses["redis_url"])
    name = f"rs{run_id}."
    yield name
    delete_all_queues(client, name)
    client.delete(f"{name}events")
    client.close()


def queued_state():
    """A partition's state with one customer, 40 days late, queued for agent AG-R."""
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    logic.on_assignment(
        state_of, {"cif": "CR-1", "agent_type": "CALL", "agent_id": "AG-R", "campaign_id": "X"}
    )
    record = {
        "cif": "CR-1",
        "business_date": DAY.isoformat(),
        "max_dpd": 40,
        "overdue_total": {"USD": "999.00"},
        "accounts": [],
    }
    logic.on_delinquency(state_of, record)
    return state_of


def rebuilder(service_addresses, namespace: str, state_of, weights: PriorityWeights) -> QueueRebuilder:
    return QueueRebuilder(
        service_addresses["redis_url"],
        namespace,
        lambda: [0],
        lambda partition: state_of,
        lambda change: _member_change(namespace, change),
        config=logic.QueueConfig(weights=weights),
        interval=0,
    )


def test_a_processor_started_with_other_weights_rescores_every_entry_once(service_addresses, namespace):
    client = redis.Redis.from_url(service_addresses["redis_url"])
    state_of = queued_state()
    default, doubled = PriorityWeights(), PriorityWeights(per_dpd_day=2.0)

    first = rebuilder(service_addresses, namespace, state_of, default)
    first.task()  # a first start: no marker yet
    score = client.zscore(queue_key(namespace, "AG-R"), "CR-1")
    assert score is not None
    assert client.get(written_marker_key(namespace, 0)) == scoring_mark(logic.QueueConfig(weights=default))
    assert first.missing([0]) == []

    restarted = rebuilder(service_addresses, namespace, state_of, doubled)
    assert restarted.missing([0]) == [0]  # the marker is not its own
    restarted.task()
    assert client.zscore(queue_key(namespace, "AG-R"), "CR-1") == pytest.approx(
        score + 40
    )  # 40 days × 1 more
    assert restarted.missing([0]) == []  # and only once

    again = rebuilder(service_addresses, namespace, state_of, PriorityWeights(per_dpd_day=2.0))
    assert again.missing([0]) == []  # equal weights, equal mark
    assert scoring_mark(logic.QueueConfig(weights=default)) != scoring_mark(
        logic.QueueConfig(weights=doubled)
    )
    client.close()


def test_a_marker_from_before_the_weights_were_named_causes_one_rewrite(service_addresses, namespace):
    client = redis.Redis.from_url(service_addresses["redis_url"])
    client.set(written_marker_key(namespace, 0), b"1")
    rebuilt = rebuilder(service_addresses, namespace, queued_state(), PriorityWeights())
    assert rebuilt.missing([0]) == [0]
    rebuilt.task()
    assert rebuilt.missing([0]) == []
    client.close()

"""New priority weights (`CRM_QUEUE_PRIORITY_WEIGHTS`) re-score the queues in Redis when the queues
processor starts with them: each partition's marker names the weights its entries were scored with, and a
marker that is not the processor's own makes it write the partition's entries again (`QueueRebuilder`), in
parts, marked written after the last."""

from __future__ import annotations

from datetime import date

import pytest
import redis

from domain.priority import PriorityWeights
from processors.queues import logic
from processors.queues.app import _member_change
from processors.queues.layout import delete_all_queues, queue_key, written_marker_key
from processors.queues.rebuild import REWRITING, QueueRebuilder, scoring_mark
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


def queued_state(cifs: tuple[str, ...] = ("CR-1",)):
    """A partition's state with customers (one by default), 40 days late, queued for agent AG-R."""
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    for cif in cifs:
        logic.on_assignment(
            state_of, {"cif": cif, "agent_type": "CALL", "agent_id": "AG-R", "campaign_id": "X"}
        )
        record = {
            "cif": cif,
            "business_date": DAY.isoformat(),
            "max_dpd": 40,
            "overdue_total": {"USD": "999.00"},
            "accounts": [],
        }
        logic.on_delinquency(state_of, record)
    return state_of


def rebuilder(
    service_addresses, namespace: str, state_of, weights: PriorityWeights, chunk=5_000, here=lambda: [0]
) -> QueueRebuilder:
    return QueueRebuilder(
        service_addresses["redis_url"],
        namespace,
        here,
        lambda partition: state_of,
        lambda change: _member_change(namespace, change),
        config=logic.QueueConfig(weights=weights),
        interval=0,
        chunk=chunk,
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


CUSTOMERS = ("CR-1", "CR-2", "CR-3")


def test_a_partition_is_written_again_in_parts_and_marked_after_the_last(service_addresses, namespace):
    client = redis.Redis.from_url(service_addresses["redis_url"])
    parts = rebuilder(service_addresses, namespace, queued_state(CUSTOMERS), PriorityWeights(), chunk=2)
    marker, queue = written_marker_key(namespace, 0), queue_key(namespace, "AG-R")

    parts.task()  # the first part: two customers, the marker says a rewrite is under way
    assert client.zcard(queue) == 2 and client.get(marker) == REWRITING
    assert parts.missing([0]) == [0]
    parts.task()  # the last part, then the marker proper
    assert client.zrange(queue, 0, -1) == sorted(c.encode() for c in CUSTOMERS)
    assert client.get(marker) == parts.mark and parts.missing([0]) == []
    client.close()


def test_a_rewrite_that_redis_lost_midway_is_not_marked_written_and_starts_over(service_addresses, namespace):
    client = redis.Redis.from_url(service_addresses["redis_url"])
    parts = rebuilder(service_addresses, namespace, queued_state(CUSTOMERS), PriorityWeights(), chunk=2)
    marker, queue = written_marker_key(namespace, 0), queue_key(namespace, "AG-R")

    parts.task()
    delete_all_queues(client, namespace)  # flushed again: the first part and the marker are gone
    parts.task()  # the last part is written, but the rewrite's marker is gone: no marker proper
    assert client.zcard(queue) == 1 and client.get(marker) is None
    parts.task()
    parts.task()  # the next check begins again, in two parts
    assert client.zcard(queue) == 3 and client.get(marker) == parts.mark
    client.close()


def test_a_partition_handed_over_midway_is_left_to_its_new_owner(service_addresses, namespace):
    client = redis.Redis.from_url(service_addresses["redis_url"])
    here = [0]
    parts = rebuilder(
        service_addresses, namespace, queued_state(CUSTOMERS), PriorityWeights(), chunk=2, here=lambda: here
    )
    parts.task()
    here.clear()  # revoked before the last part
    parts.task()
    assert client.zcard(queue_key(namespace, "AG-R")) == 2
    assert client.get(written_marker_key(namespace, 0)) == REWRITING  # the new owner writes it all again
    client.close()

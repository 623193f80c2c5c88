"""Redis loses everything (the namespace's keys deleted, as FLUSHDB would, without disturbing the other
users of the shared Redis): the queues processor notices its partitions' markers are gone and writes every
queue entry and contact snapshot again from its state, then carries on; the queues end as an
uninterrupted run's."""

from __future__ import annotations

import time

import pytest
import redis

from processors.queues.rebuild import CHECK_INTERVAL, all_written

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REBUILT_LOG = "queues written to Redis from the state"


def _flush(settings) -> int:
    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(match=f"{settings.namespace}*", count=10_000))
    return client.delete(*keys) if keys else 0


def test_queues_come_back_from_the_processors_state_after_redis_was_flushed(pipeline_in_namespace, reference):
    with pipeline_in_namespace("flush") as pipeline:
        pipeline.ingest(1)
        pipeline.start()
        pipeline.settle()
        before = pipeline.snapshot().redis
        assert any(key.startswith("queue:") for key in before) and "contacts:entries" in before
        rebuilt_at_start = len(pipeline.logged("queues", REBUILT_LOG))

        assert _flush(pipeline.settings) > 0
        client = redis.Redis.from_url(pipeline.settings.redis_url)
        deadline = time.monotonic() + CHECK_INTERVAL + 30
        # until every partition has been written again (a marker is "rewriting" while that goes on)
        namespace, partitions = pipeline.settings.namespace, pipeline.settings.topic_partitions
        while not all_written(client, namespace, partitions):
            assert time.monotonic() < deadline, pipeline.log_tails(["queues"])
            time.sleep(0.2)
        pipeline.wait_idle()  # nothing new came in: what is there now is the rebuild's alone
        assert pipeline.snapshot().redis == before
        rebuilds = pipeline.logged("queues", REBUILT_LOG)[rebuilt_at_start:]
        assert {r["partition"] for r in rebuilds} == set(range(pipeline.settings.topic_partitions))

        pipeline.ingest(2)  # and the queues carry on from there
        pipeline.finish()
        differences = pipeline.snapshot().differences(reference)
        assert not differences, "\n".join(differences)

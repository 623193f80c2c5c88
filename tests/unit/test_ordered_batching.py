"""Every sink gets one batch per checkpoint in processing order, whatever input topic-partition its records
came from (no store needed: the batches are built in memory; the writes are tested against the real stores
in tests/integration/test_postgres_sink.py and the processors' tests)."""

from __future__ import annotations

import pytest
from quixstreams.sinks import SinkBackpressureError

from processors.search.sink import SearchSink
from sinks.batching import ONE_BATCH, OrderedBatchingSink
from sinks.postgres import PostgresUpsertSink
from sinks.redis import RedisRankingSink

SINKS = {
    "postgres": lambda: PostgresUpsertSink("postgresql://crm:crm@127.0.0.1:1/crm"),
    "redis": lambda: RedisRankingSink("redis://127.0.0.1:1/0", lambda value: ()),
    "elasticsearch": lambda: SearchSink("http://127.0.0.1:1", "customers"),
}
# One customer's records as a merged stream meets them: a promise, then its delinquency, then a promise again,
# over two partitions' worth of topics.
ARRIVALS = [
    ("promises", 3, "C1 promise broken"),
    ("delinquency.customers", 3, "C1 at 90 days"),
    ("bank.customers", 1, "C2 new phone"),
    ("promises", 3, "C1 promise kept"),
]


@pytest.mark.parametrize("name", SINKS)
def test_records_of_every_input_topic_and_partition_share_one_batch_in_processing_order(name):
    sink = SINKS[name]()
    assert isinstance(sink, OrderedBatchingSink)
    for offset, (topic, partition, value) in enumerate(ARRIVALS):
        sink.add(value, value[:2], 0, [], topic, partition, offset)
    [(key, batch)] = sink._batches.items()
    assert key == (ONE_BATCH, 0)
    assert [item.value for item in batch] == [value for _, _, value in ARRIVALS]


def test_the_delay_doubles_per_failure_in_a_row_up_to_30_s_with_jitter_and_resets_after_a_success():
    sink = SINKS["postgres"]()
    delays = [sink.back_off("postgres", "t", OSError("down")).retry_after for _ in range(8)]
    for failures, delay in enumerate(delays, start=1):
        ceiling = min(30.0, 2 ** min(failures, 5))
        assert ceiling / 2 <= delay <= ceiling, (failures, delay)
    assert len(set(delays)) == len(delays), "no jitter"
    sink.recovered()
    error = sink.back_off("redis", "queues", OSError("down"))
    assert isinstance(error, SinkBackpressureError) and 1 <= error.retry_after <= 2

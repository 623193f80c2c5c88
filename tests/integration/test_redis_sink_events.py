"""The Redis sink's live events against a real Redis: the queue writes and their events in one
MULTI/EXEC, what the events say, redeliveries, and the stream's bound."""

from __future__ import annotations

import orjson
import pytest
import redis
from quixstreams.sinks import SinkBatch

from processors.queues.events import queue_events
from processors.queues.layout import entries_key, member_change, queue_key
from sinks.redis import EventStream, MemberChange, RedisRankingSink

pytestmark = pytest.mark.integration


def _batch(changes) -> SinkBatch:
    batch = SinkBatch("t", 0)
    for offset, change in enumerate(changes):
        batch.append(value=change, key=change.member, timestamp=0, headers=[], offset=offset)
    return batch


@pytest.fixture
def client(settings):
    client = redis.Redis.from_url(settings.redis_url)
    yield client
    client.close()


@pytest.fixture
def stream(settings, client):
    """The queues' events, appended to a stream of this test's own."""
    key = f"{settings.namespace}sink-test-events"
    yield EventStream(key, queue_events(settings.namespace).events_of)
    client.delete(key)
    for key in client.scan_iter(match=f"{settings.namespace}queue:{{SE-*"):
        client.delete(key)


def _events(client, key: str) -> list[dict]:
    return [orjson.loads(fields[b"data"]) for _id, fields in client.xrange(key)]


def _sink(settings, stream, max_transaction: int = 5_000) -> RedisRankingSink:
    sink = RedisRankingSink(settings.redis_url, lambda value: (value,), max_transaction, events=stream)
    sink.setup()
    return sink


def test_the_queue_writes_and_their_events_are_one_transaction(settings, client, stream):
    sink = _sink(settings, stream)
    ns = settings.namespace
    changes = [member_change(ns, "SE-1", "C1", 5.0, b"{}"), member_change(ns, "SE-2", "C2", 3.0, b"{}")]
    port = sink._connect().client_info()["addr"].rsplit(":", 1)[1]
    seen: list[str] = []
    with client.monitor() as monitor:
        sink.write(_batch(changes))
        while "EXEC" not in seen:
            command = monitor.next_command()
            if str(command["client_port"]) == port:
                seen.append(command["command"].split(" ", 1)[0].upper())
    writes = seen[seen.index("MULTI") + 1 : seen.index("EXEC")]
    assert sorted(writes) == ["HSET", "HSET", "XADD", "XADD", "ZADD", "ZADD"]
    assert seen.count("MULTI") == 1 and "ZMSCORE" in seen[: seen.index("MULTI")]  # read before, not inside
    assert [e["agent_id"] for e in _events(client, stream.key)] == ["SE-1", "SE-2"]


def test_events_say_what_changed_and_a_redelivery_leaves_the_queue_as_it_was(settings, client, stream):
    ns = settings.namespace
    queue, entries = queue_key(ns, "SE-3"), entries_key(ns, "SE-3")
    contacts = MemberChange(f"{ns}contacts", f"{ns}contacts:entries", "C1", 1.0, b"{}")
    sink = _sink(settings, stream)
    try:
        sink.write(_batch([member_change(ns, "SE-3", "C1", 5.0, b"one"), contacts]))
        second = [
            member_change(ns, "SE-3", "C1", 6.0, b"one again"),
            member_change(ns, "SE-3", "C2", 2.0, b"two"),
            member_change(ns, "SE-3", "C3", None, None),  # never there: no event
            contacts._replace(score=None, payload=None),  # a contact history, not a queue: no event
        ]
        for _ in range(2):  # the second time as after a crash before the checkpoint was committed
            sink.write(_batch(second))
            assert client.zrange(queue, 0, -1, withscores=True) == [(b"C2", 2.0), (b"C1", 6.0)]
            assert client.hgetall(entries) == {b"C1": b"one again", b"C2": b"two"}
        sink.write(_batch([member_change(ns, "SE-3", "C2", None, None)]))
        lists = [(e["added"], e["removed"], e["changed"]) for e in _events(client, stream.key)]
        assert lists == [
            (["C1"], [], []),
            (["C2"], [], ["C1"]),
            ([], [], ["C1", "C2"]),  # the redelivery: the same values again, now as changes
            ([], ["C2"], []),
        ]
        assert client.zrange(queue, 0, -1) == [b"C1"]
    finally:
        client.delete(f"{ns}contacts", f"{ns}contacts:entries")


def test_each_transaction_of_a_large_batch_has_its_own_events(settings, client, stream):
    sink = _sink(settings, stream, max_transaction=2)
    sink.write(
        _batch([member_change(settings.namespace, "SE-4", f"C{i}", float(i), b"{}") for i in range(5)])
    )
    assert [e["added"] for e in _events(client, stream.key)] == [["C0", "C1"], ["C2", "C3"], ["C4"]]


def test_the_stream_keeps_about_its_bound(settings, client, stream):
    small = EventStream(stream.key, stream.events_of, max_len=10)
    sink = _sink(settings, small)
    for i in range(300):
        sink.write(_batch([member_change(settings.namespace, "SE-5", f"C{i}", 1.0, b"{}")]))
    # Approximate trimming drops whole nodes of the stream (100 entries by default): cheap, about right.
    assert 10 <= client.xlen(small.key) <= 110
    assert client.zcard(queue_key(settings.namespace, "SE-5")) == 300

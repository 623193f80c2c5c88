"""The API workers' kept queue pages (api/queue_pages.py) over real Redis: what is answered from memory,
and everything that makes a read go to Redis again."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import orjson
import pytest
import redis
import redis.asyncio as aioredis
from quixstreams.sinks.base.batch import SinkBatch

from api import queue_pages
from api.queue_pages import QueuePages
from processors.queues.events import queue_events
from processors.queues.layout import delete_all_queues, entries_key, member_change, queue_key
from sinks.redis import RedisRankingSink, events_stream_key, stream_fields
from tests.faults.proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

WAIT_S = 15  # the longest a test waits for the watcher (it retries after 0.5, 1, 2 and 5 s)
NOON = datetime(2026, 12, 3, 12, tzinfo=UTC)  # within the calling hours of a customer in UTC


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ns(settings) -> str:
    return f"{settings.namespace}pages:"


@pytest.fixture
def rds(settings, ns):
    client = redis.Redis.from_url(settings.redis_url)
    yield client
    for key in client.scan_iter(match=f"{ns}*"):
        client.delete(key)
    client.close()


def entry(cif: str, priority: float) -> bytes:
    return orjson.dumps(
        {
            "cif": cif,
            "name": f"Customer {cif}",
            "priority": priority,
            "reason": "DPD 10",
            "dpd": 10,
            "bucket": "1-29",
            "overdue_amount": "100.00",
            "currency": "VND",
            "campaign": "Early",
            "timezone": "UTC",
            "attempts": [],
            "last_conversation": None,
            "dispute_open": None,
        }
    )


def put(rds: redis.Redis, ns: str, agent_id: str, *cifs: str) -> None:
    """Entries written straight into Redis, with no event: only a read from Redis sees them."""
    for position, cif in enumerate(cifs):
        rds.zadd(queue_key(ns, agent_id), {cif: 100.0 - position})
        rds.hset(entries_key(ns, agent_id), cif, entry(cif, 100.0 - position))


def cifs_of(body: bytes) -> list[str]:
    return [item["cif"] for item in orjson.loads(body)]


async def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT_S} s: {what}"
        await asyncio.sleep(0.02)


class Watched:
    """QueuePages with its watcher running on a connection of its own (``redis_url``)."""

    def __init__(self, settings, ns: str, redis_url: str | None = None, **options) -> None:
        self.client = aioredis.Redis.from_url(settings.redis_url)
        self.watch_client = aioredis.Redis.from_url(
            redis_url or settings.redis_url, socket_timeout=10, socket_connect_timeout=1
        )
        self.pages = QueuePages(self.client, ns, **options)
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> QueuePages:
        self.task = asyncio.create_task(self.pages.follow(self.watch_client))
        await eventually(lambda: self.pages.following, "the watcher follows the stream")
        return self.pages

    async def __aexit__(self, *exc) -> None:
        self.pages.stop()
        assert self.task is not None
        self.task.cancel()
        await self.watch_client.aclose()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 5)
        await self.client.aclose()


async def test_a_repeat_read_is_answered_from_memory_and_the_same(settings, ns, rds):
    put(rds, ns, "A", "C1", "C2", "C3")
    async with Watched(settings, ns, clock=lambda: NOON) as pages:
        first = await pages.read("A", 50, 0)
        again = await pages.read("A", 50, 0)
        other_page = await pages.read("A", 1, 1)
    assert first == again and cifs_of(first[0]) == ["C1", "C2", "C3"] and first[1] == 3
    assert cifs_of(other_page[0]) == ["C2"]  # pages are kept by agent, limit and offset
    assert pages.counts == {"memory": 1, "redis": 2}


async def test_the_sinks_queue_events_make_the_next_read_fresh_for_that_agent_only(settings, ns, rds):
    put(rds, ns, "A", "C1")
    put(rds, ns, "B", "C9")
    sink = RedisRankingSink(settings.redis_url, lambda value: (value,), events=queue_events(ns))
    sink.setup()
    async with Watched(settings, ns, clock=lambda: NOON) as pages:
        await pages.read("A", 50, 0)
        await pages.read("B", 50, 0)
        assert pages.kept[0] == 2
        batch = SinkBatch("t", 0)
        change = member_change(ns, "A", "C2", 200.0, entry("C2", 200.0))
        batch.append(value=change, key="C2", timestamp=0, headers=[], offset=0)
        sink.write(batch)  # as the queues processor writes: the change and its event in one transaction
        await eventually(lambda: pages.kept[0] == 1, "agent A's page is dropped")
        body, total = await pages.read("A", 50, 0)
        await pages.read("B", 50, 0)
    assert cifs_of(body) == ["C2", "C1"] and total == 2
    assert pages.counts == {"memory": 1, "redis": 3}  # B's page was still good


async def test_a_read_naming_a_live_event_reflects_it_even_before_the_watcher_applied_it(settings, ns, rds):
    put(rds, ns, "A", "C1")
    sink = RedisRankingSink(settings.redis_url, lambda value: (value,), events=queue_events(ns))
    sink.setup()
    watched = Watched(settings, ns, clock=lambda: NOON)
    real_xread = watched.watch_client.xread

    async def busy_worker(*args, **kwargs):  # the watcher's turn comes a second after its reply
        replies = await real_xread(*args, **kwargs)
        if replies:
            await asyncio.sleep(1.0)
        return replies

    watched.watch_client.xread = busy_worker
    async with watched as pages:
        before = await pages.read("A", 50, 0)
        batch = SinkBatch("t", 0)
        change = member_change(ns, "A", "C2", 200.0, entry("C2", 200.0))
        batch.append(value=change, key="C2", timestamp=0, headers=[], offset=0)
        sink.write(batch)
        event_id = rds.xrevrange(events_stream_key(ns), count=1)[0][0].decode()  # as the live events send it
        named, _ = await pages.read("A", 50, 0, seen_event=event_id)
        unnamed, _ = await pages.read("A", 50, 0)  # the page the named read kept
        not_an_id, _ = await pages.read("A", 50, 0, seen_event="latest")
    assert cifs_of(before[0]) == ["C1"]
    assert cifs_of(named) == cifs_of(unnamed) == cifs_of(not_an_id) == ["C2", "C1"]
    assert pages.counts == {"memory": 1, "redis": 3}


async def test_a_replays_wipe_of_every_queue_drops_every_page(settings, ns, rds):
    put(rds, ns, "A", "C1")
    put(rds, ns, "B", "C9")
    async with Watched(settings, ns, clock=lambda: NOON) as pages:
        await pages.read("A", 50, 0)
        await pages.read("B", 50, 0)
        delete_all_queues(rds, ns)
        await eventually(lambda: pages.kept == (0, 0), "every page is dropped")
        assert await pages.read("A", 50, 0) == (b"[]", 0)


async def test_an_event_it_does_not_know_drops_every_page(settings, ns, rds):
    put(rds, ns, "A", "C1")
    async with Watched(settings, ns, clock=lambda: NOON) as pages:
        await pages.read("A", 50, 0)
        rds.xadd(events_stream_key(ns), stream_fields({"type": "something-new", "agent_id": "B"}))
        await eventually(lambda: pages.kept == (0, 0), "every page is dropped")


async def test_nothing_is_kept_without_a_watcher_or_when_disabled(settings, ns, rds):
    put(rds, ns, "A", "C1")
    async with aioredis.Redis.from_url(settings.redis_url) as client:
        unwatched = QueuePages(client, ns, clock=lambda: NOON)
        for _ in range(2):
            await unwatched.read("A", 50, 0)
        assert unwatched.counts == {"memory": 0, "redis": 2} and unwatched.kept == (0, 0)
    async with Watched(settings, ns, clock=lambda: NOON, enabled=False) as disabled:
        for _ in range(2):
            await disabled.read("A", 50, 0)
    assert disabled.counts == {"memory": 0, "redis": 2}


async def test_a_read_that_races_a_change_is_answered_but_not_kept(settings, ns, rds, monkeypatch):
    put(rds, ns, "A", "C1")
    real = queue_pages.read_queue_page

    async def racing(client, namespace, agent_id, *args):
        page = await real(client, namespace, agent_id, *args)
        pages.changed(agent_id)  # the watcher saw a change while the page was being read
        return page

    async with Watched(settings, ns, clock=lambda: NOON) as pages:
        monkeypatch.setattr(queue_pages, "read_queue_page", racing)
        body, _ = await pages.read("A", 50, 0)
        assert cifs_of(body) == ["C1"] and pages.kept == (0, 0)


async def test_a_page_is_read_again_when_a_decision_in_it_may_have_changed(settings, ns, rds):
    put(rds, ns, "A", "C1")  # a customer in UTC: calling hours end at 21:00
    now = [datetime(2026, 12, 3, 20, 58, tzinfo=UTC)]
    async with Watched(settings, ns, clock=lambda: now[0]) as pages:
        before = orjson.loads((await pages.read("A", 50, 0))[0])
        now[0] += timedelta(minutes=1, seconds=59)  # 20:59:59: the decision still holds
        assert orjson.loads((await pages.read("A", 50, 0))[0]) == before
        now[0] += timedelta(seconds=1)  # 21:00: it no longer does
        after = orjson.loads((await pages.read("A", 50, 0))[0])
    assert before[0]["contactable_now"] is True and after[0]["contactable_now"] is False
    assert pages.counts == {"memory": 1, "redis": 2}


async def test_memory_is_bounded_the_least_recently_read_page_going_first(settings, ns, rds):
    put(rds, ns, "A", "C1", "C2", "C3")
    async with Watched(settings, ns, clock=lambda: NOON) as unbounded:
        one_page = len((await unbounded.read("A", 1, 0))[0])
    bound = 2 * one_page + 8  # two pages (their priorities' digits differ a little), not three
    async with Watched(settings, ns, clock=lambda: NOON, max_bytes=bound) as pages:
        for offset in (0, 1, 0, 2):  # offset 1 is then the least recently read
            await pages.read("A", 1, offset)
        assert pages.kept[0] == 2 and pages.kept[1] <= bound
        await pages.read("A", 1, 0)
        await pages.read("A", 1, 1)
    assert pages.counts == {"memory": 2, "redis": 4}  # offsets 0 (twice) from memory, 1 read again


@pytest.fixture
def proxy(settings) -> Iterator[TcpProxy]:
    url = urlsplit(settings.redis_url)
    with TcpProxy(url.hostname or "127.0.0.1", url.port or 6379) as proxy:
        yield proxy


async def test_while_redis_is_out_of_reach_nothing_is_kept_and_the_watcher_follows_again(
    settings, ns, rds, proxy
):
    put(rds, ns, "A", "C1")
    async with Watched(settings, ns, proxy.url(settings.redis_url), clock=lambda: NOON) as pages:
        await pages.read("A", 50, 0)
        proxy.cut()
        await eventually(lambda: not pages.following, "the watcher notices")
        assert pages.kept == (0, 0)
        put(rds, ns, "A", "C0", "C1")  # changed while nobody watched: no event is needed to see it
        for _ in range(2):
            body, _ = await pages.read("A", 50, 0)
        assert cifs_of(body) == ["C0", "C1"] and pages.kept == (0, 0)
        proxy.restore()
        await eventually(lambda: pages.following, "the watcher follows again")
        for _ in range(2):
            await pages.read("A", 50, 0)
    assert pages.counts == {"memory": 1, "redis": 4}

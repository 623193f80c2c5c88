"""`GET /api/events` over a real HTTP server (httpx's in-process transport cannot stream: it waits for the
whole body) and a real Redis: who receives which queue events, resuming with Last-Event-ID, reset,
keep-alives, tokens in the query, portfolio figures, and nothing left behind by a closed stream."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

import anyio
import httpx
import orjson
import psycopg
import pytest
import redis
import uvicorn
from quixstreams.sinks import SinkBatch

import api.events
from api.app import create_app
from api.security import Principal, issue_token
from contracts.admin import Role
from processors.queues.events import queue_events
from processors.queues.layout import member_change
from sinks.redis import RedisRankingSink, events_stream_key, stream_fields
from tests.api_client import SECRET, token
from tests.integration.test_api_actions import World

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
WAIT_S = 10  # no test waits longer than this for an event


@pytest.fixture(scope="module")
def base_url(api_settings) -> Iterator[str]:
    """The API served by uvicorn on a free loopback port, on a thread of its own."""
    config = uvicorn.Config(
        create_app(api_settings), host="127.0.0.1", port=0, log_config=None, access_log=False
    )
    config.timeout_graceful_shutdown = 2
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api-events-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def rds(api_settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(api_settings.redis_url)
    yield client
    client.delete(events_stream_key(api_settings.namespace))
    for key in client.scan_iter(match=f"{api_settings.namespace}queue:{{EV-*"):
        client.delete(key)
    client.close()


@pytest.fixture
def key(api_settings) -> str:
    return events_stream_key(api_settings.namespace)


@pytest.fixture
async def http(base_url) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(WAIT_S)) as client:
        yield client


def xadd(rds: redis.Redis, key: str, agent_id: str, cif: str) -> str:
    """An event as the queues sink appends it."""
    event = {"type": "queue", "agent_id": agent_id, "added": [cif], "removed": [], "changed": []}
    return rds.xadd(key, stream_fields(event)).decode()


class Events:
    """Reads a server-sent event stream one event (or comment) at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next(self) -> dict:
        event: dict = {}
        with anyio.fail_after(WAIT_S):
            while True:
                line = await anext(self.lines)
                if not line:
                    if event:
                        return event
                elif line.startswith(":"):
                    event["comment"] = line[1:].strip()
                else:
                    name, _, value = line.partition(":")
                    event[name] = value.removeprefix(" ")
                    if name == "data":
                        event["json"] = orjson.loads(event["data"])

    async def until(self, wanted: Callable[[dict], bool]) -> tuple[dict, list[dict]]:
        """The first event ``wanted`` accepts, and those skipped before it."""
        skipped = []
        while not wanted(event := await self.next()):
            skipped.append(event)
        return event, skipped

    async def started(self) -> None:
        """After the first line, the server has fixed where the stream starts."""
        assert self.response.status_code == 200, await self.response.aread()
        assert await self.next() == {"retry": "3000"}


def queue_event(event: dict) -> bool:
    return event.get("event") == "queue"


async def test_an_agent_receives_their_own_queue_events_only(http, rds, key, api_settings):
    ns = api_settings.namespace
    sink = RedisRankingSink(api_settings.redis_url, lambda value: (value,), events=queue_events(ns))
    async with http.stream("GET", "/api/events", headers=token(Role.AGENT, "EV-1")) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        events = Events(response)
        await events.started()
        batch = SinkBatch("t", 0)  # written as the queues processor writes: another agent's change first
        for offset, (agent_id, cif) in enumerate((("EV-2", "C-OTHER"), ("EV-1", "C-MINE"))):
            change = member_change(ns, agent_id, cif, 1.0, b"{}")
            batch.append(value=change, key=cif, timestamp=0, headers=[], offset=offset)
        sink.write(batch)
        event, skipped = await events.until(queue_event)
        [(newest, _)] = rds.xrevrange(key, count=1)
        assert event["id"] == newest.decode() and skipped == []
        assert event["json"]["agent_id"] == "EV-1" and event["json"]["added"] == ["C-MINE"]
        xadd(rds, key, "EV-2", "C-X")
        mine = xadd(rds, key, "EV-1", "C-Y")
        event, _ = await events.until(queue_event)
        assert (event["id"], event["json"]["added"]) == (mine, ["C-Y"])


async def test_resuming_after_last_event_id_replays_what_was_missed(http, rds, key):
    first = xadd(rds, key, "EV-1", "C-1")
    missed = [xadd(rds, key, "EV-1", "C-2"), xadd(rds, key, "EV-9", "C-X"), xadd(rds, key, "EV-1", "C-3")]
    for how in ({"headers": {"Last-Event-ID": first}}, {"params": {"last_event_id": first}}):
        headers = {**token(Role.AGENT, "EV-1"), **how.get("headers", {})}
        async with http.stream("GET", "/api/events", headers=headers, params=how.get("params")) as response:
            events = Events(response)
            await events.started()
            replayed = [await events.next(), await events.next()]
        assert [(e["id"], e["json"]["added"]) for e in replayed] == [
            (missed[0], ["C-2"]),
            (missed[2], ["C-3"]),
        ]


async def test_a_client_whose_missed_events_were_trimmed_is_told_to_reload(http, rds, key):
    old = xadd(rds, key, "EV-1", "C-OLD")
    xadd(rds, key, "EV-1", "C-GONE")
    kept = xadd(rds, key, "EV-1", "C-KEPT")
    rds.xtrim(key, minid=kept, approximate=False)  # C-GONE was never delivered, and is gone
    ahead = "99999999999999-0"  # a stream that began again (Redis lost its data) is behind the client
    for last in (old, ahead):
        headers = {**token(Role.AGENT, "EV-1"), "Last-Event-ID": last}
        async with http.stream("GET", "/api/events", headers=headers) as response:
            events = Events(response)
            await events.started()
            reset = await events.next()
            assert reset["event"] == "reset" and "reload" in reset["json"]["reason"]
            assert reset["id"] == rds.xinfo_stream(key)["last-generated-id"].decode()
            after = xadd(rds, key, "EV-1", "C-NEW")  # and the stream goes on from the newest event
            event, _ = await events.until(queue_event)
            assert event["id"] == after
    bad = await http.get("/api/events", headers={**token(Role.AGENT, "EV-1"), "Last-Event-ID": "yesterday"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "header.Last-Event-ID"


async def test_keep_alives_and_integrations_get_nothing_else(http, rds, key, monkeypatch):
    monkeypatch.setattr(api.events, "KEEPALIVE_S", 0.2)
    async with http.stream("GET", "/api/events", headers=token(Role.INTEGRATION)) as response:
        events = Events(response)
        await events.started()
        started = time.monotonic()
        assert await events.next() == {"comment": "keep-alive"}
        assert time.monotonic() - started < 2
        xadd(rds, key, "EV-1", "C-1")
        assert [await events.next() for _ in range(3)] == [{"comment": "keep-alive"}] * 3


async def test_keep_alives_move_the_clients_last_id_past_events_not_for_it(http, rds, key, monkeypatch):
    monkeypatch.setattr(api.events, "KEEPALIVE_S", 0.2)
    xadd(rds, key, "EV-9", "C-BEFORE")
    async with http.stream("GET", "/api/events", headers=token(Role.AGENT, "EV-1")) as response:
        events = Events(response)
        await events.started()
        newest = rds.xinfo_stream(key)["last-generated-id"].decode()
        assert await events.next() == {"comment": "keep-alive", "id": newest}  # where it started
        assert await events.next() == {"comment": "keep-alive"}  # nothing new
        others = xadd(rds, key, "EV-9", "C-NOT-MINE")
        keep_alive, skipped = await events.until(lambda e: "id" in e)
        assert keep_alive == {"comment": "keep-alive", "id": others} and not any(map(queue_event, skipped))
    rds.xtrim(key, minid=others, approximate=False)  # what came before is gone, and was not EV-1's anyway
    mine = xadd(rds, key, "EV-1", "C-MINE")
    headers = {**token(Role.AGENT, "EV-1"), "Last-Event-ID": others}
    async with http.stream("GET", "/api/events", headers=headers) as response:
        events = Events(response)
        await events.started()
        assert (await events.next())["id"] == mine  # no reset, no replay of others' events


async def test_a_token_in_the_query_works_and_no_token_is_401(http, api_settings):
    missing = await http.get("/api/events")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    wrong = await http.get("/api/events", params={"access_token": "not-a-token"})
    assert wrong.status_code == 401 and "invalid token" in wrong.json()["detail"]
    forged = issue_token("another-secret-" + "y" * 32, Principal("x", Role.ADMIN))
    assert (await http.get("/api/events", params={"access_token": forged})).status_code == 401
    valid = issue_token(SECRET, Principal("a", Role.AGENT, "EV-1"))
    async with http.stream("GET", "/api/events", params={"access_token": valid}) as response:
        await Events(response).started()


def _agent(agent_id: str, team: str) -> dict:
    """A whole agent record: other tests of this session list the agents table."""
    return {"agent_id": agent_id, "name": agent_id, "team": team, "type": "CALL", "capacity": 10}


async def test_a_team_supervisor_receives_their_teams_queue_events(http, rds, key, api_settings):
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        for agent_id, team in (("EV-T1", "TEAM-EV"), ("EV-T2", "TEAM-OTHER")):
            conn.execute(
                "INSERT INTO agents VALUES (%s, %s, now(), 'test') "
                "ON CONFLICT (agent_id) DO UPDATE SET config = EXCLUDED.config",
                (agent_id, orjson.dumps(_agent(agent_id, team)).decode()),
            )
    async with http.stream("GET", "/api/events", headers=token(Role.SUPERVISOR, team="TEAM-EV")) as response:
        events = Events(response)
        await events.started()
        xadd(rds, key, "EV-T2", "C-NOT-MINE")
        ours = xadd(rds, key, "EV-T1", "C-TEAM")
        event, skipped = await events.until(queue_event)
        assert event["id"] == ours and not any(queue_event(e) for e in skipped)


async def test_supervisors_receive_the_portfolio_figures(http):
    async with http.stream("GET", "/api/events", headers=token(Role.SUPERVISOR, team="TEAM-EV")) as response:
        events = Events(response)
        await events.started()
        event, skipped = await events.until(lambda e: e.get("event") == "portfolio")
    assert skipped == []  # the first figures go out at once
    figures = event["json"]
    assert figures["type"] == "portfolio" and figures["team"] == "TEAM-EV" and "buckets" in figures
    assert figures["agents_sum"]["agents"] == figures["agents_total"]  # the first page of them, and their sum
    assert "id" not in event  # resuming goes by queue event ids only


async def test_a_closed_stream_leaves_nothing_behind(http, base_url, rds, api_settings):
    def live() -> tuple[float, int]:
        """Streams the API counts, and their Redis connections."""
        metrics = httpx.get(f"{base_url}/metrics").text.splitlines()
        [clients] = [float(line.split()[1]) for line in metrics if line.startswith("crm_api_sse_clients ")]
        name = f"{api_settings.namespace}sse"
        return clients, sum(1 for connection in rds.client_list() if connection["name"] == name)

    async with (
        http.stream("GET", "/api/events", headers=token(Role.AGENT, "EV-1")) as one,
        http.stream("GET", "/api/events", headers=token(Role.ADMIN)) as two,
    ):
        readers = [Events(one), Events(two)]  # kept: a dropped line reader closes its connection
        for reader in readers:
            await reader.started()
        assert live() == (2, 2)
    with anyio.fail_after(WAIT_S):
        while live() != (0, 0):
            await anyio.sleep(0.05)


def customer_event(event: dict) -> bool:
    return event.get("event") == "customer"


async def test_a_case_or_contacts_saved_reaches_the_screens_of_that_customer(http, rds, key, api_settings):
    world = World(api_settings)
    cif = world.customer("EVENTS", agent="EV-CASE")
    supervisor = token(Role.SUPERVISOR, team="T-ACT")
    async with (
        http.stream("GET", "/api/events", headers=token(Role.AGENT, "EV-CASE")) as own,
        http.stream("GET", "/api/events", headers=token(Role.AGENT, "EV-ELSE")) as other,
    ):
        mine, theirs = Events(own), Events(other)
        await mine.started()
        await theirs.started()
        saved = await http.put(
            f"/api/cases/{cif}", json={"state": "NEGOTIATING", "version": 0}, headers=supervisor
        )
        assert saved.status_code == 200, saved.text
        event, _ = await mine.until(customer_event)
        assert event["json"] == {
            "type": "customer",
            "cif": cif,
            "changed": "case",
            "version": 1,
            "agent_id": "EV-CASE",
        }
        body = {"phones": [{"type": "MOBILE", "number": "+84 91 555 0001"}], "version": 0}
        assert (await http.put(f"/api/contacts/{cif}", json=body, headers=supervisor)).status_code == 200
        assert (
            await http.put(f"/api/contacts/{cif}", json={**body, "version": 1}, headers=supervisor)
        ).json()["version"] == 1  # nothing changed: no event
        event, _ = await mine.until(customer_event)
        assert (event["json"]["changed"], event["json"]["version"]) == ("contacts", 1)
        # another agent's stream reads past both entries to a later queue event of theirs, never showing them
        later = xadd(rds, key, "EV-ELSE", "C-LATER")
        event, skipped = await theirs.until(lambda e: queue_event(e) or customer_event(e))
        assert event["id"] == later and not any(customer_event(e) for e in skipped)

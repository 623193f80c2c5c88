"""`GET /api/agents/{id}/queue` over real Redis: order, paging, contactability and who may read it."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import anyio
import orjson
import psycopg
import pytest
import redis
from psycopg.types.json import Jsonb

from api import fast_paths
from api.visibility import TeamMembers
from contracts.admin import Role
from processors.queues.layout import entries_key, queue_key
from tests.api_client import api_client, token

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="module")
def queue(api_settings):
    """Three customers in agent Q-1's queue, as the queues processor writes them; one has ceased contact."""
    client = redis.Redis.from_url(api_settings.redis_url)
    ns = api_settings.namespace
    entries = {
        "C-HIGH": (90.0, {}),
        "C-MID": (50.0, {}),
        "C-CEASED": (70.0, {"cease": True, "cease_at": "2026-01-05T10:00:00+00:00"}),
    }
    for cif, (score, extra) in entries.items():
        entry = {
            "cif": cif,
            "name": f"Customer {cif}",
            "priority": score,
            "reason": f"DPD {int(score)}",
            "dpd": int(score),
            "bucket": "30-59",
            "overdue_amount": "1250000.50",
            "currency": "VND",
            "campaign": "Late payers",
            "timezone": "UTC",
            "attempts": [],
            "last_conversation": None,
            "dispute_open": None,
            **extra,
        }
        client.zadd(queue_key(ns, "Q-1"), {cif: score})
        client.hset(entries_key(ns, "Q-1"), cif, orjson.dumps(entry))
    yield
    client.delete(queue_key(ns, "Q-1"), entries_key(ns, "Q-1"))


async def test_the_agent_reads_their_queue_in_priority_order_with_contactability(client, queue):
    response = await client.get("/api/agents/Q-1/queue", headers=token(Role.AGENT, "Q-1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["cif"] for e in body] == ["C-HIGH", "C-CEASED", "C-MID"]
    assert response.headers["X-Total-Count"] == "3"
    ceased = body[1]
    assert ceased["contactable_now"] is False and ceased["blocked_by"] == "CEASE_COMMUNICATION"
    assert body[0]["overdue_amount"] == "1250000.50" and body[0]["reason"] == "DPD 90"
    hour = datetime.now(UTC).hour
    assert body[0]["contactable_now"] is (8 <= hour < 21)  # calling hours in the customer's zone (UTC)


def zone_where_calling_hours_differ_from_utc(now: datetime) -> str:
    """A zone whose local hour is well inside calling hours when UTC's is outside them, or the reverse
    (at least 30 minutes from either edge, so the answer cannot change during the test)."""

    def allowed(zone: str) -> bool:
        return 8 <= now.astimezone(ZoneInfo(zone)).hour < 21

    def near_an_edge(zone: str) -> bool:
        local = now.astimezone(ZoneInfo(zone))
        minutes = local.hour * 60 + local.minute
        return any(abs(minutes - edge) < 30 for edge in (8 * 60, 21 * 60))

    candidates = ("Pacific/Kiritimati", "Asia/Tokyo", "Asia/Kolkata", "America/Chicago", "Pacific/Honolulu")
    return next(z for z in candidates if allowed(z) != allowed("UTC") and not near_an_edge(z))


async def test_a_customer_without_a_zone_is_decided_in_the_deployments_default_zone(api_settings):
    """`CRM_CUSTOMER_DEFAULT_TIMEZONE`: the calling hours of a customer whose record names no zone."""
    client = redis.Redis.from_url(api_settings.redis_url)
    ns, now = api_settings.namespace, datetime.now(UTC)
    zone = zone_where_calling_hours_differ_from_utc(now)
    entry = {"cif": "C-NOZONE", "name": "No zone", "priority": 10.0, "reason": "DPD 10", "dpd": 10,
             "bucket": "1-29", "overdue_amount": "10", "currency": "VND", "campaign": "Late payers",
             "timezone": None, "attempts": [], "last_conversation": None, "dispute_open": None}  # fmt: skip
    client.zadd(queue_key(ns, "Q-ZONE"), {"C-NOZONE": 10.0})
    client.hset(entries_key(ns, "Q-ZONE"), "C-NOZONE", orjson.dumps(entry))
    try:
        answers = {}
        for default in ("UTC", zone):
            settings = api_settings.model_copy(update={"customer_default_timezone": default})
            async with api_client(settings) as http:
                for path in ("/api/agents/Q-ZONE/queue", "/api/agents/Q-ZONE/queue?via=route"):
                    response = await http.get(path, headers=token(Role.AGENT, "Q-ZONE"))
                    assert response.status_code == 200, response.text
                    answers[(default, path)] = response.json()[0]["contactable_now"]
    finally:
        client.delete(queue_key(ns, "Q-ZONE"), entries_key(ns, "Q-ZONE"))
        client.close()
    in_utc = 8 <= now.hour < 21  # the fast path and the route alike
    assert answers == {
        (default, path): in_utc if default == "UTC" else not in_utc for default, path in answers
    }


@pytest.mark.parametrize("event_id", ["0-1", "99999999999999-0", "not-an-id"])
async def test_a_read_may_name_the_live_event_it_follows(client, queue, fast_path_reads, event_id):
    headers = token(Role.AGENT, "Q-1")
    plain = await client.get("/api/agents/Q-1/queue", headers=headers)
    for path in ("/api/agents/Q-1/queue", "/api/agents/Q-1/queue?via=route"):
        named = await client.get(path, headers={**headers, "X-Queue-Event-Id": event_id})
        assert named.status_code == 200 and named.content == plain.content
    assert fast_path_reads == ["Q-1", "Q-1"]


async def test_paging(client, queue):
    response = await client.get("/api/agents/Q-1/queue?limit=1&offset=1", headers=token(Role.ADMIN))
    assert [e["cif"] for e in response.json()] == ["C-CEASED"]
    bad = await client.get("/api/agents/Q-1/queue?limit=0", headers=token(Role.ADMIN))
    assert bad.status_code == 422 and "limit" in bad.text


async def test_an_agent_nobody_configured_is_404_and_an_empty_queue_is_200(client, api_settings):
    # through the fast path as any read: it leaves an empty queue to the route, which tells the two apart
    admin = token(Role.ADMIN)
    unknown = await client.get("/api/agents/Q-NOBODY/queue", headers=admin)
    assert unknown.status_code == 404 and unknown.json() == {"detail": "no agent 'Q-NOBODY'"}
    agent = {"agent_id": "Q-EMPTY", "name": "Idle agent", "team": "TEAM-Q", "type": "CALL", "capacity": 10}
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO agents VALUES ('Q-EMPTY', %s, now(), 'test') ON CONFLICT DO NOTHING", (Jsonb(agent),)
        )
        try:
            empty = await client.get("/api/agents/Q-EMPTY/queue", headers=admin)
        finally:
            conn.execute("DELETE FROM agents WHERE agent_id = 'Q-EMPTY'")
    assert (empty.status_code, empty.json(), empty.headers["X-Total-Count"]) == (200, [], "0")
    # An agent reads their own queue, empty or not, before anyone configured them.
    own = await client.get("/api/agents/Q-NEW/queue", headers=token(Role.AGENT, "Q-NEW"))
    assert (own.status_code, own.json()) == (200, [])


@pytest.mark.parametrize(
    ("role", "agent_id", "expected"),
    [
        (Role.AGENT, "Q-1", 200),
        (Role.AGENT, "Q-2", 403),
        (Role.SUPERVISOR, None, 200),
        (Role.ADMIN, None, 200),
        (Role.INTEGRATION, None, 403),
    ],
)
async def test_who_may_read_a_queue(client, queue, role, agent_id, expected):
    response = await client.get("/api/agents/Q-1/queue", headers=token(role, agent_id))
    assert response.status_code == expected
    assert (await client.get("/api/agents/Q-1/queue")).status_code == 401


async def test_supervisors_read_only_their_teams_agents_queues(client, queue, api_settings):
    # A whole agent record: other tests list every agent and validate each one.
    agent = {"agent_id": "Q-1", "name": "Queue test agent", "team": "TEAM-Q", "type": "CALL", "capacity": 10}
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO agents VALUES ('Q-1', %s, now(), 'test') "
            "ON CONFLICT (agent_id) DO UPDATE SET config = EXCLUDED.config",
            (Jsonb(agent),),
        )
        try:
            own = await client.get("/api/agents/Q-1/queue", headers=token(Role.SUPERVISOR, team="TEAM-Q"))
            other = await client.get("/api/agents/Q-1/queue", headers=token(Role.SUPERVISOR, team="TEAM-X"))
        finally:
            conn.execute("DELETE FROM agents WHERE agent_id = 'Q-1'")
    assert (own.status_code, other.status_code) == (200, 403)


async def test_a_team_supervisor_sees_an_agents_move_to_another_team_at_once(client, queue, api_settings):
    agent = {"name": "Queue test agent", "team": "TEAM-Q", "type": "CALL", "capacity": 10}
    old_team, new_team = token(Role.SUPERVISOR, team="TEAM-Q"), token(Role.SUPERVISOR, team="TEAM-N")
    try:
        assert (await client.put("/api/admin/agents/Q-1", json=agent, headers=token(Role.ADMIN))).is_success
        assert (await client.get("/api/agents/Q-1/queue", headers=old_team)).status_code == 200
        assert (await client.get("/api/agents/Q-1/queue", headers=new_team)).status_code == 403
        moved = {**agent, "team": "TEAM-N"}
        assert (await client.put("/api/admin/agents/Q-1", json=moved, headers=token(Role.ADMIN))).is_success
        assert (await client.get("/api/agents/Q-1/queue", headers=old_team)).status_code == 403
        assert (await client.get("/api/agents/Q-1/queue", headers=new_team)).status_code == 200
    finally:
        with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM agents WHERE agent_id = 'Q-1'")


async def test_team_members_are_read_once_per_team_and_again_after_their_time_to_live(api_settings):
    now = [0.0]
    members = TeamMembers(ttl_s=5.0, clock=lambda: now[0])
    agents = [
        {"agent_id": agent_id, "name": "TTL agent", "team": "TEAM-T", "type": "CALL", "capacity": 10}
        for agent_id in ("Q-TTL1", "Q-TTL2")
    ]
    queries = []
    async with await psycopg.AsyncConnection.connect(api_settings.database_url, autocommit=True) as conn:

        @asynccontextmanager
        async def connection():
            queries.append(now[0])
            await anyio.sleep(0.05)  # a slow database: every request waiting meanwhile shares the read
            yield conn

        def contains(team, agent_id):
            return members.contains(connection, team, agent_id)

        try:
            for agent in agents:
                await conn.execute(
                    "INSERT INTO agents VALUES (%s, %s, now(), 'test')", (agent["agent_id"], Jsonb(agent))
                )
            answers = await asyncio.gather(
                contains("TEAM-T", "Q-TTL1"), contains("TEAM-T", "Q-TTL2"), contains("TEAM-T", "Q-OTHER")
            )
            assert answers == [True, True, False] and queries == [0.0]  # one read for the three
            now[0] = 1.0
            assert await contains("TEAM-U", "Q-TTL1") is False
            moved = "UPDATE agents SET config = config || '{\"team\": \"TEAM-U\"}' WHERE agent_id = 'Q-TTL1'"
            await conn.execute(moved)
            now[0] = 4.9
            assert await contains("TEAM-T", "Q-TTL1") is True  # as last read
            now[0] = 5.0
            assert await contains("TEAM-T", "Q-TTL1") is False
            assert await contains("TEAM-U", "Q-TTL1") is False  # as read at 1.0
            members.forget()
            assert await contains("TEAM-U", "Q-TTL1") is True
            assert queries == [0.0, 1.0, 5.0, 5.0]
        finally:
            await conn.execute("DELETE FROM agents WHERE agent_id LIKE 'Q-TTL%'")


@pytest.fixture
def fast_path_reads(monkeypatch) -> list[str]:
    """The agents whose queue the fast path (api.fast_paths) answered, in order."""
    read = []
    real = fast_paths.queue_page

    async def noting(resources, agent_id, *args):
        read.append(agent_id)
        return await real(resources, agent_id, *args)

    monkeypatch.setattr(fast_paths, "queue_page", noting)
    return read


@pytest.mark.parametrize("query", ["", "?limit=1", "?limit=2&offset=1", "?offset=5", "?limit=500&offset=0"])
@pytest.mark.parametrize(
    ("role", "agent_id"), [(Role.AGENT, "Q-1"), (Role.ADMIN, None), (Role.SUPERVISOR, None)]
)
async def test_the_fast_path_answers_byte_for_byte_as_the_route(
    client, queue, fast_path_reads, role, agent_id, query
):
    headers = token(role, agent_id)
    fast = await client.get(f"/api/agents/Q-1/queue{query}", headers=headers)
    # a parameter the route ignores and the fast path does not know: the route answers
    routed = await client.get(
        f"/api/agents/Q-1/queue{query}{'&' if query else '?'}via=route", headers=headers
    )
    assert fast_path_reads == ["Q-1"]
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content
    for header in ("content-type", "x-total-count"):
        assert fast.headers[header] == routed.headers[header]
    assert fast.headers["x-request-id"]  # the middleware around it still applies


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/api/agents/Q-1/queue", {}, 401),
        ("/api/agents/Q-1/queue", {"Authorization": "Bearer not-a-token"}, 401),
        ("/api/agents/Q-1/queue", token(Role.AGENT, "Q-2"), 403),
        ("/api/agents/Q-1/queue", token(Role.INTEGRATION, None), 403),
        ("/api/agents/Q-1/queue", token(Role.SUPERVISOR, team="TEAM-X"), 403),
        ("/api/agents/Q-1/queue?limit=0", token(Role.ADMIN), 422),
        ("/api/agents/Q-1/queue?limit=501", token(Role.ADMIN), 422),
        ("/api/agents/Q-1/queue?offset=-1", token(Role.ADMIN), 422),
        ("/api/agents/Q-1/queue?limit=x", token(Role.ADMIN), 422),
        ("/api/agents/Q 1/queue", token(Role.ADMIN), 422),
    ],
)
async def test_what_the_fast_path_leaves_to_the_route(
    client, queue, fast_path_reads, path, headers, expected
):
    response = await client.get(path, headers=headers)
    assert response.status_code == expected, response.text
    assert fast_path_reads == []

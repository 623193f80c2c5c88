"""Supervisors moving customers between agents, against real PostgreSQL and Kafka: the choices, a move by
hand and why one is refused (409, nothing published), a rebalance, and who may do it."""

from __future__ import annotations

import uuid

import orjson
import psycopg
import pytest
from psycopg.types.json import Jsonb

from contracts import Reassignment
from contracts.admin import Role
from processors.allocation.sink import write_decisions
from tests.api_client import api_client, token
from tests.kafka_helpers import message_count, read_all
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
RUN = uuid.uuid4().hex[:6]
TEAM, OTHER = f"RT1-{RUN}", f"RT2-{RUN}"
A1, A2, A3, A4, A5, B1, F1 = (f"{name}-{RUN}" for name in ("A1", "A2", "A3", "A4", "A5", "B1", "F1"))
C1, C2, C3, C4, C5 = (f"RC{n}-{RUN}" for n in range(1, 6))
CARDS = {"products": ["CREDIT_CARD"]}
SUPERVISOR = token(Role.SUPERVISOR, team=TEAM)
ADMIN = token(Role.ADMIN)


def agent(agent_id: str, capacity: int, team: str = TEAM, agent_type: str = "CALL", **skills) -> dict:
    return {
        "agent_id": agent_id,
        "name": f"Agent {agent_id}",
        "team": team,
        "type": agent_type,
        "skills": {"products": [], "buckets": [], "languages": [], **CARDS, **skills},
        "capacity": capacity,
        "active": True,
    }


@pytest.fixture(scope="module")
def pool(api_settings):
    """Team TEAM's CALL pool as the sinks wrote it: A1 has C1 and C2, A2 (room for 1) has C3, C4 waits; A3
    handles another bucket, A4 another product, A5 has room for one; C5 left collections."""
    agents = [
        agent(A1, 5),
        agent(A2, 1),
        agent(A3, 5, buckets=["90-119"]),
        agent(A4, 5, products=["MORTGAGE"]),
        agent(A5, 1),
        agent(B1, 5, team=OTHER),
        agent(F1, 5, agent_type="FIELD"),
    ]
    seats = [  # cif, agent, campaign, valid_from
        (C1, A1, "CALLS", "2026-03-01"),
        (C2, A1, "CALLS", "2026-03-02"),
        (C3, A2, "CALLS", "2026-03-01"),
        (C4, None, "CALLS", "2026-03-01"),
        (C5, None, None, "2026-03-02"),
    ]
    campaign = {"campaign_id": "CALLS", "team": TEAM, "agent_type": "CALL", "required_skills": CARDS}
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        for config in agents:
            conn.execute(
                "INSERT INTO agents VALUES (%s, %s, now(), 'test')", (config["agent_id"], Jsonb(config))
            )
        for cif, agent_id, campaign_id, day in seats:
            conn.execute(
                "INSERT INTO customers (cif, type, name, segment, status, source_system, updated_at)"
                " VALUES (%s, 'INDIVIDUAL', %s, 'MASS', 'ACTIVE', 'CORE', now())",
                (cif, f"Customer {cif}"),
            )
            conn.execute(
                "INSERT INTO loans VALUES (%s, %s, 'CREDIT_CARD', 'USD', 1000, 800, '2025-01-10',"
                " '2027-01-10', 10, 24, 'OPEN', '{}', 'CORE', '2026-03-01T00:00:00Z')",
                (f"L-{cif}", cif),
            )
            conn.execute(
                "INSERT INTO customer_delinquency"
                " VALUES (%s, '2026-03-02', 40, '30-59', '{}', '{}', NULL, 1, 1, 1)",
                (cif,),
            )
            conn.execute(
                "INSERT INTO strategy_assignments VALUES (%s, 'default', 1, '2026-03-02', %s, %s, true)",
                (cif, ["CALLS"], Jsonb([campaign])),
            )
            conn.execute(
                "INSERT INTO agent_assignments VALUES (%s, 'CALL', 2000001, %s, %s, %s, %s, NULL, 'test', 1)",
                (cif, agent_id, TEAM, campaign_id, day),
            )


def published(settings) -> list[Reassignment]:
    topic = physical_name("allocation.overrides", settings)
    messages = read_all(settings.kafka_brokers, topic, timeout=10, idle=1)
    return [Reassignment.model_validate_json(value) for key, value in messages if key.decode() == TEAM]


async def test_the_choices_list_the_movable_agents_first_and_say_why_the_others_are_not(client, pool):
    response = await client.get("/api/assignments/options", params={"cif": C1}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    [options] = response.json()
    assert (options["team"], options["agent_type"], options["agent_id"]) == (TEAM, "CALL", A1)
    choices = {c["agent_id"]: (c["load"], c["capacity"], c["refused"]) for c in options["agents"]}
    assert choices == {
        A5: (0, 1, None),
        A1: (2, 5, "the customer's agent now"),
        A2: (1, 1, "full (1 of 1)"),
        A3: (0, 5, "does not handle bucket 30-59"),
        A4: (0, 5, "lacks the skills the campaign requires"),
    }  # B1 is of another team, F1 of another type
    assert options["agents"][0]["agent_id"] == A5
    response = await client.get("/api/assignments/options", params={"cif": C5}, headers=ADMIN)
    assert response.json() == []  # in no pool now
    response = await client.get("/api/assignments/options", params={"cif": "nobody"}, headers=ADMIN)
    assert response.status_code == 404


async def test_a_move_by_hand_is_published_for_the_customers_stay_and_audited(client, pool, api_settings):
    body = {"cif": C1, "agent_id": A5, "note": "speaks the customer's dialect"}
    response = await client.post("/api/assignments", json=body, headers=SUPERVISOR)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert (accepted["agent_id"], accepted["from_agent_id"], accepted["team"]) == (A5, A1, TEAM)
    [override] = [o for o in published(api_settings) if o.override_id == accepted["override_id"]]
    assert (override.cif, override.agent_type, override.episode) == (C1, "CALL", 2)
    assert (override.requested_by, override.note) == ("supervisor-user", "speaks the customer's dialect")
    with psycopg.connect(api_settings.database_url) as conn:
        row = conn.execute(
            "SELECT who, details FROM audit_log WHERE action = 'customer.reassign' AND target = %s",
            (f"customer:{C1}",),
        ).fetchone()
    assert row == ("supervisor-user", {**row[1], "agent_id": A5, "from_agent_id": A1})


@pytest.mark.parametrize(
    ("cif", "agent_id", "why"),
    [
        (C1, A2, f"agent '{A2}' cannot take customer '{C1}': full (1 of 1)"),
        (C1, A3, f"agent '{A3}' cannot take customer '{C1}': does not handle bucket 30-59"),
        (C1, A1, f"customer '{C1}' is with agent '{A1}' already"),
        (C5, A5, f"customer '{C5}' needs no CALL agent now (no campaign asks for one)"),
        (C1, F1, f"customer '{C1}' needs no FIELD agent now (no campaign asks for one)"),
        (C1, B1, f"customer '{C1}' is in team '{TEAM}''s CALL pool; agent '{B1}' is of team '{OTHER}'"),
    ],
)
async def test_a_move_that_allocation_would_undo_or_overfill_is_refused_and_not_published(
    client, pool, api_settings, cif, agent_id, why
):
    before = message_count(api_settings.kafka_brokers, physical_name("allocation.overrides", api_settings))
    response = await client.post("/api/assignments", json={"cif": cif, "agent_id": agent_id}, headers=ADMIN)
    assert (response.status_code, response.json()) == (409, {"detail": why})
    after = message_count(api_settings.kafka_brokers, physical_name("allocation.overrides", api_settings))
    assert after == before


async def test_a_move_of_an_unknown_customer_is_404(client, pool):
    response = await client.post("/api/assignments", json={"cif": "nobody", "agent_id": A5}, headers=ADMIN)
    assert (response.status_code, response.json()) == (404, {"detail": "no customer 'nobody'"})


async def test_a_waiting_customer_can_be_given_an_agent(client, pool):
    response = await client.post("/api/assignments", json={"cif": C4, "agent_id": A5}, headers=ADMIN)
    assert response.status_code == 202, response.text
    assert response.json()["from_agent_id"] is None


async def test_a_rebalance_moves_the_newest_customers_where_there_is_room_and_counts_who_stays(
    client, pool, api_settings
):
    body = {"agent_id": A1, "count": 5, "note": "A1 is on leave"}
    response = await client.post("/api/assignments/rebalance", json=body, headers=SUPERVISOR)
    assert response.status_code == 202, response.text
    result = response.json()
    # C2 (given most recently) takes A5's one place; C1 has nowhere to go (A2 full, A3 and A4 do not fit)
    assert [(m["cif"], m["agent_id"]) for m in result["moves"]] == [(C2, A5)]
    assert (result["stays"], result["team"], result["agent_type"]) == (1, TEAM, "CALL")
    ids = {o.override_id: o for o in published(api_settings)}
    assert ids[result["moves"][0]["override_id"]].note == "A1 is on leave"
    response = await client.get(
        f"/api/assignments/requests/{result['moves'][0]['override_id']}", headers=ADMIN
    )
    kept = response.json()
    assert (kept["cif"], kept["agent_id"], kept["note"], kept["outcome"]) == (
        C2,
        A5,
        "A1 is on leave",
        "PENDING",
    )


async def test_a_move_is_pending_until_allocation_decides_it_and_then_says_what_became_of_it(
    client, pool, api_settings
):
    body = {"cif": C3, "agent_id": A5, "note": "asked for a morning caller"}
    accepted = (await client.post("/api/assignments", json=body, headers=SUPERVISOR)).json()
    path = f"/api/assignments/requests/{accepted['override_id']}"
    response = await client.get(path, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "override_id": accepted["override_id"],
        "cif": C3,
        "team": TEAM,
        "agent_type": "CALL",
        "agent_id": A5,
        "from_agent_id": A2,
        "episode": 2,
        "requested_by": "supervisor-user",
        "requested_at": response.json()["requested_at"],
        "note": "asked for a morning caller",
        "outcome": "PENDING",
        "reason": None,
        "business_date": None,
        "decided_at": None,
    }
    # the allocation processor's sink writes its decision: A5 filled up in between
    decision = (accepted["override_id"], C3, TEAM, "CALL", A5, "REFUSED", "full (1 of 1)", "2026-03-02")
    with psycopg.connect(api_settings.database_url) as conn:
        write_decisions(conn, [decision])
    decided = (await client.get(path, headers=ADMIN)).json()
    assert (decided["outcome"], decided["reason"], decided["business_date"]) == (
        "REFUSED",
        "full (1 of 1)",
        "2026-03-02",
    )
    assert decided["decided_at"] is not None

    again = (await client.post("/api/assignments", json={"cif": C3, "agent_id": A5}, headers=ADMIN)).json()
    response = await client.get("/api/assignments/requests", params={"cif": C3}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    listed = [(r["override_id"], r["outcome"], r["requested_by"]) for r in response.json()]
    assert listed == [  # newest first
        (again["override_id"], "PENDING", "admin-user"),
        (accepted["override_id"], "REFUSED", "supervisor-user"),
    ]
    response = await client.get("/api/assignments/requests", params={"cif": C3, "limit": 1}, headers=ADMIN)
    assert [r["override_id"] for r in response.json()] == [again["override_id"]]


async def test_a_rebalances_moves_are_read_at_once_by_their_ids_in_the_order_asked(
    client, pool, api_settings
):
    first = (await client.post("/api/assignments", json={"cif": C4, "agent_id": A5}, headers=ADMIN)).json()
    second = (await client.post("/api/assignments", json={"cif": C3, "agent_id": A5}, headers=ADMIN)).json()
    ids = [second["override_id"], "no-such-move", first["override_id"]]
    response = await client.get("/api/assignments/requests", params={"override_id": ids}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert [(r["override_id"], r["cif"], r["outcome"]) for r in response.json()] == [
        (second["override_id"], C3, "PENDING"),
        (first["override_id"], C4, "PENDING"),
    ]
    elsewhere = token(Role.SUPERVISOR, team=OTHER)
    response = await client.get("/api/assignments/requests", params={"override_id": ids}, headers=elsewhere)
    assert response.json() == []  # another team's moves: as if there were none


@pytest.mark.parametrize(
    "params",
    [{}, {"cif": C1, "override_id": "x"}, {"override_id": [f"o{n}" for n in range(201)]}],
    ids=["neither", "both", "too many ids"],
)
async def test_reassignments_are_read_by_customer_or_by_id_one_way_at_a_time(client, pool, params):
    response = await client.get("/api/assignments/requests", params=params, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "query"


async def test_kafka_down_is_503_with_no_request_kept(client, pool, api_settings):
    async def listed() -> list[str]:
        response = await client.get("/api/assignments/requests", params={"cif": C1}, headers=ADMIN)
        return [r["override_id"] for r in response.json()]

    before = await listed()
    down = api_settings.model_copy(update={"kafka_brokers": "127.0.0.1:1"})
    async with api_client(down, delivery_timeout_s=2) as unreachable:
        response = await unreachable.post("/api/assignments", json={"cif": C1, "agent_id": A5}, headers=ADMIN)
    assert response.status_code == 503, response.text
    assert await listed() == before
    assert (
        await client.post("/api/assignments", json={"cif": C1, "agent_id": A5}, headers=ADMIN)
    ).status_code == 202
    assert len(await listed()) == len(before) + 1


async def test_reassignments_are_read_by_supervisors_of_their_team_and_admins_only(client, pool):
    accepted = (await client.post("/api/assignments", json={"cif": C4, "agent_id": A5}, headers=ADMIN)).json()
    path = f"/api/assignments/requests/{accepted['override_id']}"
    elsewhere, agent_token = token(Role.SUPERVISOR, team=OTHER), token(Role.AGENT, A1)
    response = await client.get(path, headers=elsewhere)
    assert (response.status_code, response.json()) == (
        404,
        {"detail": f"no reassignment '{accepted['override_id']}'"},
    )
    response = await client.get("/api/assignments/requests", params={"cif": C4}, headers=elsewhere)
    assert response.status_code == 404  # another team's customer: as if it did not exist
    for url in (path, f"/api/assignments/requests?cif={C4}"):
        assert (await client.get(url, headers=agent_token)).status_code == 403
    response = await client.get("/api/assignments/requests", params={"cif": "nobody"}, headers=ADMIN)
    assert (response.status_code, response.json()) == (404, {"detail": "no customer 'nobody'"})
    response = await client.get("/api/assignments/requests/no-such-move", headers=ADMIN)
    assert response.status_code == 404
    for limit in (0, 201):
        response = await client.get(
            "/api/assignments/requests", params={"cif": C4, "limit": limit}, headers=ADMIN
        )
        assert response.status_code == 422, response.text


async def test_only_supervisors_and_admins_move_customers_and_a_team_supervisor_only_in_their_team(
    client, pool
):
    agent_token = token(Role.AGENT, A1)
    for method, path, body in (
        ("GET", f"/api/assignments/options?cif={C1}", None),
        ("POST", "/api/assignments", {"cif": C1, "agent_id": A5}),
        ("POST", "/api/assignments/rebalance", {"agent_id": A1, "count": 1}),
    ):
        response = await client.request(method, path, json=body, headers=agent_token)
        assert response.status_code == 403, (path, response.text)
    elsewhere = token(Role.SUPERVISOR, team=OTHER)
    response = await client.get("/api/assignments/options", params={"cif": C1}, headers=elsewhere)
    assert response.status_code == 404  # another team's customer: as if it did not exist
    response = await client.post("/api/assignments", json={"cif": C1, "agent_id": A5}, headers=elsewhere)
    assert (response.status_code, response.json()) == (404, {"detail": f"no agent '{A5}'"})
    body = {"agent_id": A1, "count": 1}
    response = await client.post("/api/assignments/rebalance", json=body, headers=elsewhere)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/assignments/rebalance", {"agent_id": A1, "count": 0}, "count"),
        ("/api/assignments/rebalance", {"agent_id": A1, "count": 1001}, "count"),
        ("/api/assignments", {"cif": C1, "agent_id": A5, "note": "x" * 501}, "note"),
        ("/api/assignments", {"cif": C1, "agent_id": "has space"}, "agent_id"),
        ("/api/assignments", {"cif": C1}, "agent_id"),
    ],
)
async def test_a_bad_body_is_422_naming_the_field(client, pool, path, body, field):
    response = await client.post(path, json=body, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert field in orjson.dumps(response.json()["detail"]).decode()

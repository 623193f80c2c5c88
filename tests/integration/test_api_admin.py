"""The admin endpoints against real PostgreSQL and Kafka, in a namespace of their own so that what is on
the configuration topics can be counted: strategy versions, bad bodies (422 naming the field), agents,
re-evaluation requests, and Kafka down (503, nothing stored)."""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import orjson
import psycopg
import pytest
from confluent_kafka import Consumer, TopicPartition

from api.app import create_app
from api.deps import OFFSET_MAX
from api.security import Principal, issue_token
from contracts import AgentConfig, StrategyConfig
from contracts.admin import Role
from domain.dictionaries import DEFAULT_DICTIONARIES, InvalidDictionaries
from processors.common.partitioning import broadcast_keys
from tests.kafka_helpers import message_count
from tests.services import initialized_namespace
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
SECRET = "admin-test-secret-" + "z" * 40

CAMPAIGN = {
    "id": "LATE",
    "name": "Late payers",
    "priority": 10,
    "conditions": [
        {"field": "delinquency.max_dpd", "operator": ">=", "value": 30},
        {"field": "custom.risk_score", "operator": ">=", "value": 0.7},
        {"field": "loan.product_type", "operator": "IN", "value": ["CREDIT_CARD"]},
    ],
    "contact_rules": [{"phone_types": ["MOBILE"]}],
    "team": "CARDS",
    "agent_type": "CALL",
}
BODY = {"groups": [{"id": "CALLS", "name": "Calls", "campaigns": [CAMPAIGN]}]}
AGENT = {
    "name": "Ana Silva",
    "team": "CARDS",
    "type": "CALL",
    "capacity": 40,
    "skills": {"languages": ["pt"]},
}


@pytest.fixture(scope="module")
def namespace(service_addresses, run_id, cli_env):
    with initialized_namespace(service_addresses, f"api{run_id}", cli_env) as (settings, _env):
        yield settings.model_copy(update={"jwt_secret": SECRET})


async def _client(settings, delivery_timeout_s: float = 10.0) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, delivery_timeout_s=delivery_timeout_s)
    token = issue_token(SECRET, Principal("root", Role.ADMIN))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as http:
            yield http


@pytest.fixture
async def client(namespace) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(namespace):
        yield http


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def topic_messages(settings, topic: str, key: str | None = None) -> list[tuple[int, str, dict]]:
    """(partition, key, value) of everything on the topic (optionally only ``key``), in offset order."""
    name = physical_name(topic, settings)
    consumer = Consumer({"bootstrap.servers": settings.kafka_brokers, "group.id": unique("t")})
    try:
        partitions = consumer.list_topics(name, timeout=10).topics[name].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10)[1] for p in partitions}
        consumer.assign([TopicPartition(name, p, 0) for p in partitions if ends[p]])
        seen: list[tuple[int, str, dict]] = []
        positions = {p: 0 for p in partitions}
        deadline = time.monotonic() + 30
        while any(positions[p] < ends[p] for p in partitions) and time.monotonic() < deadline:
            for message in consumer.consume(1000, timeout=0.5):
                if message.error() is None:
                    positions[message.partition()] = message.offset() + 1
                    seen.append((message.partition(), message.key().decode(), orjson.loads(message.value())))
        return [m for m in seen if key is None or m[1] == key]
    finally:
        consumer.close()


def rows(settings, sql: str, *params) -> list[tuple]:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute(sql, params).fetchall()


# --- strategies -----------------------------------------------------------------------------------------


async def test_publishing_numbers_versions_stores_them_and_puts_them_on_the_topic(client, namespace):
    strategy_id = unique("retail")
    first = await client.put(f"/api/admin/strategies/{strategy_id}", json=BODY)
    assert first.status_code == 200, first.text
    assert (first.json()["version"], first.json()["published_by"]) == (1, "root")

    changed = copy.deepcopy(BODY)
    changed["groups"][0]["campaigns"][0]["priority"] = 5
    second = await client.put(f"/api/admin/strategies/{strategy_id}", json=changed)
    assert second.json()["version"] == 2

    current = (await client.get(f"/api/admin/strategies/{strategy_id}")).json()
    assert current == second.json()
    old = (await client.get(f"/api/admin/strategies/{strategy_id}/versions/1")).json()
    assert old == first.json() and old["groups"][0]["campaigns"][0]["priority"] == 10
    assert (await client.get(f"/api/admin/strategies/{strategy_id}/versions/3")).status_code == 404
    listed = {s["strategy_id"]: s["version"] for s in (await client.get("/api/admin/strategies")).json()}
    assert listed[strategy_id] == 2

    on_topic = topic_messages(namespace, "config.strategies", strategy_id)
    assert [value["version"] for _, _, value in on_topic] == [1, 2]
    for (_, key, value), published in zip(on_topic, (first.json(), second.json()), strict=True):
        assert key == strategy_id
        config = StrategyConfig.model_validate(value)  # exactly the topic's contract, nothing more
        assert config.model_dump(mode="json") == {k: v for k, v in published.items() if k != "published_by"}
    # The JSON number 0.7 is kept as its exact text, the form processors compile.
    assert on_topic[0][2]["groups"][0]["campaigns"][0]["conditions"][1]["value"] == "0.7"
    audit = rows(
        namespace,
        "SELECT who, action, details FROM audit_log WHERE target = %s ORDER BY id",
        f"strategy:{strategy_id}",
    )
    assert audit == [
        ("root", "strategy.publish", {"version": 1}),
        ("root", "strategy.publish", {"version": 2}),
    ]


async def test_supervisors_read_strategies_and_only_admins_change_them(client, namespace):
    strategy_id = unique("read")
    published = (await client.put(f"/api/admin/strategies/{strategy_id}", json=BODY)).json()
    supervisor = {
        "Authorization": f"Bearer {issue_token(SECRET, Principal('sup', Role.SUPERVISOR, team='T'))}"
    }
    base = f"/api/admin/strategies/{strategy_id}"
    for path in (base, f"{base}/versions/1"):
        read = await client.get(path, headers=supervisor)
        assert read.status_code == 200 and read.json() == published, path
    assert (await client.get("/api/admin/strategy-tools/catalogue", headers=supervisor)).status_code == 200
    refused = [
        await client.put(base, json=BODY, headers=supervisor),
        await client.post(f"{base}/reevaluate", headers=supervisor),
        await client.post("/api/admin/strategy-tools/preview", json=BODY, headers=supervisor),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert (await client.get(base)).json()["version"] == 1  # nothing published by the refused PUT


async def test_concurrent_publishes_get_distinct_consecutive_versions_in_topic_order(client, namespace):
    strategy_id = unique("race")
    responses = await asyncio.gather(
        *(client.put(f"/api/admin/strategies/{strategy_id}", json=BODY) for _ in range(6))
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["version"] for r in responses) == [1, 2, 3, 4, 5, 6]
    stored = rows(
        namespace,
        "SELECT version FROM strategy_versions WHERE strategy_id = %s ORDER BY version",
        strategy_id,
    )
    assert [v for (v,) in stored] == [1, 2, 3, 4, 5, 6]
    on_topic = [
        value["version"] for _, _, value in topic_messages(namespace, "config.strategies", strategy_id)
    ]
    assert on_topic == [1, 2, 3, 4, 5, 6]


def _with(path: str, value: object) -> dict:
    """BODY with the value at the dotted path replaced (or removed when value is ...)."""
    body = copy.deepcopy(BODY)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = body
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return body


CONDITION = "groups.0.campaigns.0.conditions.0"
BAD_STRATEGIES = [
    (_with(f"{CONDITION}.colour", "red"), f"{CONDITION}.colour", "unknown field"),
    (_with(f"{CONDITION}.field", "loan.shoe_size"), f"{CONDITION}.field", "unknown field 'loan.shoe_size'"),
    (_with(f"{CONDITION}.operator", "~="), f"{CONDITION}.operator", "Input should be '='"),
    (_with(f"{CONDITION}.value", "thirty"), f"{CONDITION}.value", "takes a whole number"),
    (_with(f"{CONDITION}.value", [30]), f"{CONDITION}.value", "not a list; use IN"),
    (_with(f"{CONDITION}.value", ...), f"{CONDITION}.value", "needs a value"),
    (
        _with(CONDITION, {"field": "case.state", "operator": "IN", "value": ["LEGAL", "LEGL"]}),
        f"{CONDITION}.value",
        "case.state has no code 'LEGL' (dictionary case_states: ",
    ),
    (
        _with(CONDITION, {"field": "customer.segment", "operator": ">=", "value": "MASS"}),
        f"{CONDITION}.operator",
        "the values of customer.segment are codes, which have no order",
    ),
    (_with("groups.0.campaigns.0.priority", "first"), "groups.0.campaigns.0.priority", "integer"),
    (_with("groups.0.campaigns.0.team", ...), "groups.0.campaigns.0.team", "needs the team"),
    (_with("groups.0.campaigns", []), "groups.0.campaigns", "at least 1"),
    (
        _with("groups.0.campaigns.0.contact_rules.0.phone_types", ["PAGER"]),
        "groups.0.campaigns.0.contact_rules.0.phone_types.0",
        "Input should be",
    ),
    ({**BODY, "version": 7}, "version", "unknown field"),
    ({}, "groups", "Field required"),
    ({"groups": [BODY["groups"][0], BODY["groups"][0]]}, "groups.1.id", "appears twice"),
]


@pytest.mark.parametrize(
    "body, field, reason", BAD_STRATEGIES, ids=[f"{f}:{r}" for _, f, r in BAD_STRATEGIES]
)
async def test_bad_strategies_are_422_naming_the_field_and_change_nothing(
    client, namespace, body, field, reason
):
    strategy_id = unique("bad")
    response = await client.put(f"/api/admin/strategies/{strategy_id}", json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert field in [e["field"] for e in errors], errors
    assert any(reason in e["msg"] for e in errors if e["field"] == field), errors
    assert rows(namespace, "SELECT * FROM strategy_versions WHERE strategy_id = %s", strategy_id) == []
    assert topic_messages(namespace, "config.strategies", strategy_id) == []


async def test_a_case_code_a_live_strategy_names_cannot_be_removed_until_the_strategy_changes(client):
    """Cases keep a removed code, so the condition would go on matching them unseen, and the strategy could
    not be published again as it stands: the save is refused at the dictionary, naming where it is used."""
    version = (await client.get("/api/admin/dictionaries")).json()["version"]
    document = DEFAULT_DICTIONARIES.as_dict()
    states = document["case_states"]
    extra = [{"code": "COURT_HOLD", "label": "Held by the court"}, {"code": "SPARE", "label": "Spare"}]

    async def save(case_states: list[dict]) -> httpx.Response:
        nonlocal version
        body = {"dictionaries": {**document, "case_states": case_states}, "version": version}
        response = await client.put("/api/admin/dictionaries", json=body)
        if response.status_code == 200:
            version = response.json()["version"]
        return response

    assert (await save([*states, *extra])).status_code == 200
    strategy_id = unique("CASES")
    named = _with(CONDITION, {"field": "case.state", "operator": "IN", "value": ["LEGAL", "COURT_HOLD"]})
    assert (await client.put(f"/api/admin/strategies/{strategy_id}", json=named)).status_code == 200

    refused = await save(states)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == [
        {
            "loc": ["body", "dictionaries", "case_states"],
            "field": "dictionaries.case_states",
            "msg": f"COURT_HOLD cannot be removed: strategy {strategy_id!r} (version 1) names it at "
            f"{CONDITION}; change the strategy first",
            "type": "value_error",
        }
    ]
    assert (await client.get("/api/admin/dictionaries")).json()["version"] == version  # nothing saved
    assert (await save([*states, extra[0]])).status_code == 200  # a code no strategy names goes

    unnamed = _with(CONDITION, {"field": "case.state", "operator": "IN", "value": ["LEGAL"]})
    assert (await client.put(f"/api/admin/strategies/{strategy_id}", json=unnamed)).status_code == 200
    assert (await save(states)).status_code == 200  # once the strategy no longer names it


async def test_a_dictionaries_file_lacking_a_case_code_a_live_strategy_names_stops_the_start(
    namespace, tmp_path
):
    """The file is read when the API starts; one edited since the strategy was published to lack a code its
    conditions name would leave them matching the cases that still hold it, unseen: the start says where."""
    with psycopg.connect(namespace.database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM dictionaries")  # the file is in force only until an admin saves
    states = DEFAULT_DICTIONARIES.as_dict()["case_states"]
    held = {"code": "COURT_HOLD", "label": "Held by the court"}
    path = tmp_path / "dictionaries.json"
    path.write_bytes(orjson.dumps({"case_states": [*states, held]}))
    with_file = namespace.model_copy(update={"dictionaries_file": path})
    strategy_id = unique("FILE")
    named = _with(CONDITION, {"field": "case.state", "operator": "IN", "value": ["LEGAL", "COURT_HOLD"]})
    async for http in _client(with_file):
        assert (await http.put(f"/api/admin/strategies/{strategy_id}", json=named)).status_code == 200
    path.write_bytes(orjson.dumps({"case_states": states}))
    try:
        with pytest.raises(InvalidDictionaries) as refused:
            async for _http in _client(with_file):
                pass
        assert str(refused.value) == (
            f"the dictionaries file {path}: case_states lacks COURT_HOLD: strategy {strategy_id!r}"
            f" (version 1) names it at {CONDITION}; put the code back in the file, change the strategy, then"
            " remove it"
        )
        async for http in _client(namespace):  # once an admin saved dictionaries, the file is not in force
            body = {"dictionaries": {**DEFAULT_DICTIONARIES.as_dict(), "case_states": [*states, held]}}
            saved = await http.put("/api/admin/dictionaries", json={**body, "version": 0})
            assert saved.status_code == 200, saved.text
        async for http in _client(with_file):
            assert (await http.get("/api/admin/dictionaries")).json()["source"] == "saved"
    finally:
        unnamed = _with(CONDITION, {"field": "case.state", "operator": "IN", "value": ["LEGAL"]})
        async for http in _client(namespace):
            assert (await http.put(f"/api/admin/strategies/{strategy_id}", json=unnamed)).status_code == 200


async def test_malformed_json_and_bad_ids_are_422(client):
    broken = await client.put(
        "/api/admin/strategies/x", content=b'{"groups": [', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
    bad_id = await client.put("/api/admin/strategies/no%20spaces", json=BODY)
    assert bad_id.status_code == 422
    assert bad_id.json()["detail"][0]["field"] == "path.strategy_id"


@pytest.mark.parametrize(
    "path", ["/api/admin/agents", "/api/admin/users", "/api/admin/dlq/bank.loans", "/api/agents/AG-1/queue"]
)
async def test_an_offset_past_the_deepest_page_is_422_naming_it(client, path):
    """PostgreSQL takes OFFSET as a bigint: an offset past it was a 500 on the agents' and users' lists."""
    for offset in (OFFSET_MAX + 1, 2**63, 10**20):
        response = await client.get(path, params={"offset": offset})
        assert response.status_code == 422, (path, offset, response.text)
        assert response.json()["detail"][0]["field"] == "query.offset"
    # in range, the read goes on (AG-1 is an agent nobody configured here: its queue is 404, not 422)
    in_range = 404 if path.endswith("/queue") else 200
    assert (await client.get(path, params={"offset": OFFSET_MAX})).status_code == in_range


async def test_reevaluation_sends_one_request_to_each_partition(client, namespace):
    strategy_id = unique("reeval")
    assert (await client.post(f"/api/admin/strategies/{strategy_id}/reevaluate")).status_code == 404
    await client.put(f"/api/admin/strategies/{strategy_id}", json=BODY)
    await client.put(f"/api/admin/strategies/{strategy_id}", json=BODY)
    response = await client.post(f"/api/admin/strategies/{strategy_id}/reevaluate")
    assert response.status_code == 202, response.text
    partitions = namespace.topic_partitions
    assert response.json()["partitions"] == partitions and response.json()["version"] == 2

    requests = [
        m for m in topic_messages(namespace, "strategy.reevaluate") if m[2]["strategy_id"] == strategy_id
    ]
    keys = broadcast_keys("reevaluate-", partitions)
    assert sorted(p for p, _, _ in requests) == list(range(partitions))
    for partition, key, value in requests:
        assert key == keys[partition] == value["partition_key"]
        assert value["version"] == 2
        assert datetime.fromisoformat(value["requested_at"]) == datetime.fromisoformat(
            response.json()["requested_at"]
        )
    assert rows(
        namespace,
        "SELECT action FROM audit_log WHERE target = %s AND action = 'strategy.reevaluate'",
        f"strategy:{strategy_id}",
    ) == [("strategy.reevaluate",)]


async def test_a_strategy_id_with_a_slash_is_reachable_encoded(client):
    """The identifier pattern allows "/" ("retail/cards"): sent as %2F, every strategy route takes it, and the
    routes with a fixed tail still win over an id that the rest of the path would make."""
    strategy_id = unique("retail/cards")
    path = f"/api/admin/strategies/{strategy_id.replace('/', '%2F')}"
    published = await client.put(path, json=BODY)
    assert published.status_code == 200, published.text
    assert (published.json()["strategy_id"], published.json()["version"]) == (strategy_id, 1)
    assert (await client.get(path)).json() == published.json()
    assert (await client.get(f"{path}/versions/1")).json() == published.json()
    missing = await client.get(f"{path}/versions/2")
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"strategy {strategy_id!r} has no version 2"
    reevaluated = await client.post(f"{path}/reevaluate")
    assert reevaluated.status_code == 202 and reevaluated.json()["strategy_id"] == strategy_id
    listed = {s["strategy_id"] for s in (await client.get("/api/admin/strategies")).json()}
    assert strategy_id in listed


# --- agents ---------------------------------------------------------------------------------------------


async def test_agent_lifecycle_is_stored_audited_and_published(client, namespace):
    agent_id = unique("A")
    created = await client.put(f"/api/admin/agents/{agent_id}", json=AGENT)
    assert created.status_code == 201, created.text
    assert created.json()["agent_id"] == agent_id and created.json()["active"] is True
    assert created.json()["updated_by"] == "root"

    changed = await client.put(
        f"/api/admin/agents/{agent_id}", json={**AGENT, "agent_id": agent_id, "capacity": 10}
    )
    assert changed.status_code == 200 and changed.json()["capacity"] == 10
    assert (await client.get(f"/api/admin/agents/{agent_id}")).json() == changed.json()
    team = (await client.get("/api/admin/agents", params={"team": "CARDS"})).json()
    assert agent_id in [a["agent_id"] for a in team]

    gone = await client.delete(f"/api/admin/agents/{agent_id}")
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert (await client.get(f"/api/admin/agents/{agent_id}")).json()["active"] is False
    inactive = (await client.get("/api/admin/agents", params={"active": "false"})).json()
    assert agent_id in [a["agent_id"] for a in inactive]
    assert agent_id not in [
        a["agent_id"] for a in (await client.get("/api/admin/agents", params={"active": True})).json()
    ]

    on_topic = topic_messages(namespace, "config.agents", agent_id)
    values = [AgentConfig.model_validate(value) for _, _, value in on_topic]
    assert [(v.capacity, v.active) for v in values] == [(40, True), (10, True), (10, False)]
    assert values[0].skills.languages == ["pt"]
    audit = rows(namespace, "SELECT action FROM audit_log WHERE target = %s ORDER BY id", f"agent:{agent_id}")
    assert audit == [("agent.create",), ("agent.update",), ("agent.deactivate",)]


async def test_agents_are_found_by_a_part_of_their_id_or_name_in_any_case(client):
    """A book of 2,000 agents does not fit one page: the Agents page finds them by what the admin types."""
    tag = unique("Q")
    for n, name in enumerate(("Ana Ngô", "Bảo Trần", "Chidi Okafor")):
        await client.put(f"/api/admin/agents/{tag}-{n}", json={**AGENT, "name": name})

    async def found(text: str, **params) -> list[str]:
        listed = await client.get("/api/admin/agents", params={"q": text, **params})
        assert listed.status_code == 200, listed.text
        return [agent["agent_id"] for agent in listed.json()]

    assert await found(tag.lower()) == [f"{tag}-0", f"{tag}-1", f"{tag}-2"]
    assert await found(f"{tag}-1") == [f"{tag}-1"]
    assert await found("TRẦN") == [f"{tag}-1"] and await found("okaf") == [f"{tag}-2"]
    assert await found(tag, limit=1, offset=1) == [f"{tag}-1"]  # pages as the whole list does
    assert await found("100%_") == []  # taken as text: no pattern characters
    for bad in ("", "x" * 101, "a\x00b"):
        refused = await client.get("/api/admin/agents", params={"q": bad})
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "query.q"


async def test_teams_are_those_agents_name_with_their_active_agents_and_capacity(client):
    """The forms that pick a team suggest every team, however many agents come before its first one."""
    team = unique("TEAM").upper()
    for n, (capacity, active) in enumerate(((40, True), (25, True), (90, False))):
        agent = {**AGENT, "team": team, "capacity": capacity}
        await client.put(f"/api/admin/agents/{team}-{n}", json=agent)
        if not active:
            await client.delete(f"/api/admin/agents/{team}-{n}")
    await client.put(f"/api/admin/agents/{team}-Z", json={**AGENT, "team": f"{team}-GONE"})
    await client.delete(f"/api/admin/agents/{team}-Z")

    listed = await client.get("/api/admin/teams")
    assert listed.status_code == 200, listed.text
    teams = {t["team"]: t for t in listed.json()}
    assert teams[team] == {"team": team, "active_agents": 2, "capacity": 65, "inactive_agents": 1}
    # a team whose agents all left is still named (a supervisor's login may name it), with none active
    assert teams[f"{team}-GONE"] == {
        "team": f"{team}-GONE",
        "active_agents": 0,
        "capacity": 0,
        "inactive_agents": 1,
    }
    names = [t["team"] for t in listed.json()]
    assert names == sorted(names)


@pytest.mark.parametrize(
    "body, field",
    [
        ({**AGENT, "capacity": -1}, "capacity"),
        ({**AGENT, "type": "BUS"}, "type"),
        ({**AGENT, "salary": 1}, "salary"),
        ({**AGENT, "skills": {"products": ["YACHT"]}}, "skills.products.0"),
        ({k: v for k, v in AGENT.items() if k != "team"}, "team"),
        ({**AGENT, "agent_id": "someone-else"}, "agent_id"),
    ],
    ids=["capacity", "type", "unknown", "skill", "missing team", "other id"],
)
async def test_bad_agents_are_422_naming_the_field_and_change_nothing(client, namespace, body, field):
    agent_id = unique("bad")
    response = await client.put(f"/api/admin/agents/{agent_id}", json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["detail"]]
    assert rows(namespace, "SELECT * FROM agents WHERE agent_id = %s", agent_id) == []
    assert topic_messages(namespace, "config.agents", agent_id) == []


@pytest.mark.parametrize("listed", ["/api/admin/agents", "/api/admin/strategies"])
async def test_a_list_asked_for_with_a_trailing_slash_is_redirected_to_it(client, listed):
    """The id routes take the rest of the path, never nothing: ``…/agents/`` is the list, not an empty id."""
    response = await client.get(f"{listed}/")
    assert response.status_code == 307 and response.headers["location"] == f"http://test{listed}"
    assert (await client.get(f"{listed}/", follow_redirects=True)).status_code == 200


async def test_an_agent_id_with_a_slash_is_reachable_encoded(client, namespace):
    """An agent id may hold "/" ("north/a1"): sent as %2F, its admin routes and its queue take it."""
    agent_id = unique("north/A")
    encoded = agent_id.replace("/", "%2F")
    created = await client.put(f"/api/admin/agents/{encoded}", json=AGENT)
    assert created.status_code == 201, created.text
    assert created.json()["agent_id"] == agent_id
    assert (await client.get(f"/api/admin/agents/{encoded}")).json() == created.json()
    queue = await client.get(f"/api/agents/{encoded}/queue")
    assert queue.status_code == 200, queue.text
    assert (queue.json(), queue.headers["X-Total-Count"]) == ([], "0")
    gone = await client.delete(f"/api/admin/agents/{encoded}")
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert [key for _, key, _ in topic_messages(namespace, "config.agents", agent_id)] == [agent_id] * 2
    unknown = await client.get("/api/admin/agents/north%2Fnobody")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no agent 'north/nobody'"


async def test_create_only_leaves_an_existing_agent_as_it_is(client, namespace):
    agent_id = unique("A")
    create = {"If-None-Match": "*"}
    first = await client.put(f"/api/admin/agents/{agent_id}", json=AGENT, headers=create)
    assert first.status_code == 201, first.text
    again = await client.put(f"/api/admin/agents/{agent_id}", json={**AGENT, "capacity": 1}, headers=create)
    assert again.status_code == 412 and again.json() == {"detail": f"agent {agent_id!r} already exists"}
    assert (await client.get(f"/api/admin/agents/{agent_id}")).json() == first.json()
    assert len(topic_messages(namespace, "config.agents", agent_id)) == 1
    audit = rows(namespace, "SELECT action FROM audit_log WHERE target = %s", f"agent:{agent_id}")
    assert audit == [("agent.create",)]
    etag = await client.put(f"/api/admin/agents/{agent_id}", json=AGENT, headers={"If-None-Match": '"v1"'})
    assert etag.status_code == 422  # entity tags are not supported: refused, not ignored


async def test_deactivating_an_unknown_agent_is_404(client):
    response = await client.delete(f"/api/admin/agents/{unique('nobody')}")
    assert response.status_code == 404 and "no agent" in response.json()["detail"]


# --- Kafka down -----------------------------------------------------------------------------------------


async def test_kafka_unreachable_is_503_and_nothing_is_stored(namespace):
    cut_off = namespace.model_copy(update={"kafka_brokers": "127.0.0.1:1"})
    strategy_id, agent_id = unique("offline"), unique("offline")
    published_before = message_count(namespace.kafka_brokers, physical_name("config.strategies", namespace))
    async for client in _client(cut_off, delivery_timeout_s=1.0):
        started = time.monotonic()
        response = await client.put(f"/api/admin/strategies/{strategy_id}", json=BODY)
        assert response.status_code == 503, response.text
        assert "Kafka" in response.json()["detail"] and "nothing was changed" in response.json()["detail"]
        assert time.monotonic() - started < 10
        agent = await client.put(f"/api/admin/agents/{agent_id}", json=AGENT)
        assert agent.status_code == 503
        health = await client.get("/api/health")
        assert health.status_code == 503
        assert {s["name"]: s["healthy"] for s in health.json()["services"]} == {
            "postgresql": True,
            "kafka": False,
            "redis": True,
            "elasticsearch": True,
        }
    assert rows(namespace, "SELECT * FROM strategy_versions WHERE strategy_id = %s", strategy_id) == []
    assert rows(namespace, "SELECT * FROM agents WHERE agent_id = %s", agent_id) == []
    targets = (f"strategy:{strategy_id}", f"agent:{agent_id}")
    assert rows(namespace, "SELECT * FROM audit_log WHERE target = ANY(%s)", list(targets)) == []
    assert (
        message_count(namespace.kafka_brokers, physical_name("config.strategies", namespace))
        == published_before
    )

    # With Kafka back, the same strategy starts at version 1: the failed attempt left no trace.
    async for client in _client(namespace):
        assert (await client.put(f"/api/admin/strategies/{strategy_id}", json=BODY)).json()["version"] == 1

"""`POST /api/actions` and `GET /api/dictionaries` over real PostgreSQL, Redis and Kafka: checks in order,
contact compliance against the queues processor's snapshot, idempotency by action id, and Kafka down."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import psycopg
import pytest
import redis

from api import fast_paths
from api.visibility import CUSTOMER_VISIBLE, NOTHING_AGENT, Scope, visibility_parameters
from contracts.actions import AgentAction
from contracts.admin import Role
from domain.dictionaries import PROTECTED_CODES, InvalidDictionaries
from processors.queues import contacts, logic
from processors.queues.layout import contacts_change
from sinks.redis import write_changes
from tests.api_client import api_client, token
from tests.kafka_helpers import message_count, read_all
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def calling_moment() -> datetime:
    """A recent moment within calling hours in UTC (the test customers' zone): today's or yesterday's noon."""
    now = datetime.now(UTC)
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon < now - timedelta(minutes=2) else noon - timedelta(days=1)


class World:
    """Customers of agent AG-{tag} (and one of another agent), as the entities and allocation processors
    leave them in PostgreSQL."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.tag = uuid.uuid4().hex[:6]
        self.agent, self.other_agent = f"AG-{self.tag}", f"AG-{self.tag}-X"
        self.redis = redis.Redis.from_url(settings.redis_url)
        self.topic = physical_name("agent.actions", settings)

    def customer(
        self, name: str, agent: str | None = None, zone: str | None = "UTC", currencies: str = "VND"
    ) -> str:
        """A customer with a loan in each of ``currencies`` (space-separated): LN-{cif} in the first one,
        LN-{cif}-{currency} in the others."""
        cif = f"C-{self.tag}-{name}"
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO customers (cif, type, name, segment, status, timezone, source_system,"
                " updated_at) VALUES (%s, 'INDIVIDUAL', %s, 'MASS', 'ACTIVE', %s, 'T24', now())",
                (cif, name, zone),
            )
            first, *others = currencies.split()
            for account, currency in [(f"LN-{cif}", first), *((f"LN-{cif}-{c}", c) for c in others)]:
                conn.execute(
                    "INSERT INTO loans VALUES (%s, %s, 'AUTO_LOAN', %s, 24000000, 18000000, '2025-01-10',"
                    " '2027-01-10', 12.5, 24, 'OPEN', '{}', 'CORE', now())",
                    (account, cif, currency),
                )
            conn.execute(
                "INSERT INTO agent_assignments VALUES (%s, 'CALL', 1, %s, 'T-ACT', 'C1', '2026-03-01', NULL,"
                " 'least loaded', 1)",
                (cif, agent or self.agent),
            )
        return cif

    def snapshot(self, cif: str, actions: list[dict]) -> None:
        """The customer's contact snapshot, folded and written as the queues processor does."""
        history: dict = {}
        for action in actions:
            history = contacts.with_action(history, action)
        written = logic.contact_snapshot(cif, {"contacts": history, "timezone": "UTC"})
        write_changes(self.redis, [contacts_change(self.settings.namespace, *written)])

    def produced(self) -> int:
        return message_count(self.settings.kafka_brokers, self.topic)

    def records(self, cif: str) -> list[AgentAction]:
        messages = read_all(self.settings.kafka_brokers, self.topic, expected=self.produced(), timeout=20)
        return [AgentAction.model_validate_json(value) for key, value in messages if key == cif.encode()]

    def accepted_rows(self, action_id: str) -> int:
        with psycopg.connect(self.settings.database_url) as conn:
            return conn.execute(
                "SELECT count(*) FROM accepted_actions WHERE action_id = %s", (action_id,)
            ).fetchone()[0]


@pytest.fixture(scope="module")
def world(api_settings) -> World:
    return World(api_settings)


def call(cif: str, at: datetime, result: str = "NO_ANSWER", **more) -> dict:
    return {"cif": cif, "type": "CALL", "subtype": "OUTBOUND", "result": result, "at": at.isoformat(), **more}


def attempt(cif: str, n: int, at: datetime) -> dict:
    """An earlier outbound call as the processor folds it (an AgentAction as a dict)."""
    return {
        "action_id": f"{cif}-A{n}",
        "cif": cif,
        "type": "CALL",
        "subtype": "OUTBOUND",
        "result": "NO_ANSWER",
        "at": at,
    }


async def test_an_action_is_produced_once_per_id_and_a_repeat_gets_the_same_reply(
    client, world, api_settings
):
    cif = world.customer("ONCE")
    at = calling_moment()
    body = call(
        cif,
        at,
        "PROMISE_TO_PAY",
        action_id=f"ACT-{world.tag}-1",
        account_number=f"LN-{cif}",
        promise={"date": (at + timedelta(days=3)).date().isoformat(), "amount": "1250000.00"},
        notes="Will pay on Friday.",
    )
    agent = token(Role.AGENT, world.agent)
    before = world.produced()
    first = await client.post("/api/actions", json=body, headers=agent)
    assert first.status_code == 202, first.text
    assert first.json()["action_id"] == body["action_id"] and first.json()["status"] == "accepted"
    again = await client.post("/api/actions", json={**body, "agent_id": world.agent}, headers=agent)
    assert (again.status_code, again.content) == (202, first.content)
    assert world.produced() == before + 1
    [record] = world.records(cif)
    assert (record.action_id, record.agent_id, record.result) == (
        body["action_id"],
        world.agent,
        "PROMISE_TO_PAY",
    )
    assert str(record.promise.amount) == "1250000.00" and record.at == at  # as sent, its scale kept
    with psycopg.connect(api_settings.database_url) as conn:
        audit = conn.execute(
            "SELECT who, details->>'action_id' FROM audit_log WHERE action = 'action.record' AND target = %s",
            (f"customer:{cif}",),
        ).fetchall()
    assert audit == [("agent-user", body["action_id"])]
    different = await client.post("/api/actions", json={**body, "notes": "changed"}, headers=agent)
    assert different.status_code == 409
    assert different.json()["detail"] == f"action id {body['action_id']} already used for a different action"
    assert world.produced() == before + 1


async def test_a_visit_as_the_web_app_records_it_names_the_address_and_the_position(client, world):
    cif = world.customer("VISITED")
    at = calling_moment()
    address = "27 Pho Hue, Hanoi 100000, VN"
    body = {
        **call(cif, at, action_id=f"ACT-{world.tag}-V"),
        "type": "VISIT",
        "contact": {"channel": "VISIT", "number": address},  # an address in words: no digits rule
        "visit": {"lat": 21.028511, "lon": 105.854168, "address": address},
    }
    answer = await client.post("/api/actions", json=body, headers=token(Role.AGENT, world.agent))
    assert answer.status_code == 202, answer.text
    [record] = world.records(cif)
    assert (record.type, record.contact.channel, record.contact.number) == ("VISIT", "VISIT", address)
    assert (record.visit.lat, record.visit.lon, record.visit.address) == (21.028511, 105.854168, address)


async def test_the_server_names_an_action_without_id_and_supervisors_record_as_themselves(client, world):
    cif = world.customer("NOID")
    response = await client.post(
        "/api/actions", json=call(cif, calling_moment()), headers=token(Role.SUPERVISOR)
    )
    assert response.status_code == 202, response.text
    action_id = response.json()["action_id"]
    assert uuid.UUID(action_id) and world.accepted_rows(action_id) == 1
    [record] = world.records(cif)
    assert (record.action_id, record.agent_id) == (action_id, "supervisor-user")


async def test_a_ceased_customer_may_not_be_called_but_may_call_in(client, world):
    cif = world.customer("CEASED")
    at = calling_moment()
    world.snapshot(cif, [{**attempt(cif, 0, at - timedelta(days=20)), "result": "CEASE_COMMUNICATION"}])
    agent = token(Role.AGENT, world.agent)
    before = world.produced()
    refused = await client.post(
        "/api/actions", json=call(cif, at, action_id=f"ACT-{world.tag}-C"), headers=agent
    )
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["detail"].startswith("CEASE_COMMUNICATION: the customer asked us to stop contacting them")
    assert (body["rule"], body["contactable_from"]) == ("CEASE_COMMUNICATION", None)
    assert world.produced() == before and world.accepted_rows(f"ACT-{world.tag}-C") == 0
    for channel in ("SMS", "EMAIL", "VISIT"):  # a cease request stops every outbound communication
        other = await client.post("/api/actions", json={**call(cif, at), "type": channel}, headers=agent)
        assert (other.status_code, other.json().get("rule")) == (409, "CEASE_COMMUNICATION"), other.text
    inbound = {**call(cif, at, "CALLBACK"), "subtype": "INBOUND"}
    assert (await client.post("/api/actions", json=inbound, headers=agent)).status_code == 202
    # the letters a cease request still allows (that we stop, which remedy we take): no rule applies
    letter = {**call(cif, at, "LEFT_MESSAGE"), "type": "LETTER"}
    assert (await client.post("/api/actions", json=letter, headers=agent)).status_code == 202
    assert world.produced() == before + 2


async def test_other_outbound_contacts_keep_the_calling_hours_but_not_the_call_frequency_rules(client, world):
    cif = world.customer("MESSAGES")
    at = calling_moment()
    world.snapshot(cif, [attempt(cif, n, at - timedelta(days=1, hours=n)) for n in range(7)])
    agent = token(Role.AGENT, world.agent)
    refused = await client.post("/api/actions", json=call(cif, at), headers=agent)
    assert refused.json()["rule"] == "ATTEMPT_LIMIT_7_IN_7"
    for channel in ("SMS", "EMAIL", "VISIT"):
        by_day = await client.post("/api/actions", json={**call(cif, at), "type": channel}, headers=agent)
        assert by_day.status_code == 202, by_day.text
        night = at.replace(hour=22) - timedelta(days=1)
        late = await client.post("/api/actions", json={**call(cif, night), "type": channel}, headers=agent)
        assert (late.status_code, late.json().get("rule")) == (409, "OUTSIDE_CALLING_HOURS"), late.text
    letter = {**call(cif, at.replace(hour=22) - timedelta(days=1)), "type": "LETTER"}
    assert (await client.post("/api/actions", json=letter, headers=agent)).status_code == 202


async def test_the_eighth_attempt_in_seven_days_is_refused_counting_actions_not_yet_processed(client, world):
    cif = world.customer("SEVEN")
    at = calling_moment()
    earlier = [attempt(cif, n, at - timedelta(days=5, hours=n)) for n in range(5)]
    world.snapshot(cif, earlier)
    agent = token(Role.AGENT, world.agent)
    sixth = call(cif, at - timedelta(hours=2), action_id=f"ACT-{world.tag}-6")
    assert (await client.post("/api/actions", json=sixth, headers=agent)).status_code == 202
    # the processor catches up: the sixth is now in the snapshot too, and must not count twice
    world.snapshot(
        cif, [*earlier, {**attempt(cif, 6, at - timedelta(hours=2)), "action_id": sixth["action_id"]}]
    )
    seventh = call(cif, at - timedelta(hours=1))
    assert (await client.post("/api/actions", json=seventh, headers=agent)).status_code == 202
    refused = await client.post("/api/actions", json=call(cif, at), headers=agent)  # not processed: from PG
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["rule"] == "ATTEMPT_LIMIT_7_IN_7" and body["detail"].startswith(
        "ATTEMPT_LIMIT_7_IN_7: 7 call"
    )
    oldest_day = (at - timedelta(days=5, hours=4)).date()
    assert body["contactable_from"] == f"{oldest_day + timedelta(days=7)}T08:00:00Z"


async def test_the_same_action_posted_twice_at_once_is_accepted_once_even_when_it_is_the_seventh(
    client, world
):
    cif = world.customer("RACE")
    at = calling_moment()
    world.snapshot(cif, [attempt(cif, n, at - timedelta(days=2, hours=n)) for n in range(6)])
    body = call(cif, at, action_id=f"ACT-{world.tag}-R")
    agent = token(Role.AGENT, world.agent)
    before = world.produced()
    first, second = await asyncio.gather(
        client.post("/api/actions", json=body, headers=agent),
        client.post("/api/actions", json=body, headers=agent),
    )
    assert (first.status_code, second.status_code) == (202, 202), (first.text, second.text)
    assert first.content == second.content and world.produced() == before + 1


async def test_a_call_outside_the_customers_calling_hours_is_refused(client, world, api_settings):
    cif = world.customer("NIGHT")
    night = calling_moment().replace(hour=22)
    refused = await client.post(
        "/api/actions", json=call(cif, night - timedelta(days=1)), headers=token(Role.SUPERVISOR)
    )
    assert refused.status_code == 409 and refused.json()["rule"] == "OUTSIDE_CALLING_HOURS"
    assert "08:00 to 21:00 in the customer's time zone, UTC" in refused.json()["detail"]
    # a deployment's own calling hours (CRM_CALLING_HOURS)
    later = api_settings.model_copy(update={"calling_hours": "09:00-22:30"})
    async with api_client(later) as http:
        accepted = await http.post(
            "/api/actions", json=call(cif, night - timedelta(days=1)), headers=token(Role.SUPERVISOR)
        )
        assert accepted.status_code == 202, accepted.text
        early = call(cif, night.replace(hour=8, minute=30) - timedelta(days=1))
        refused = await http.post("/api/actions", json=early, headers=token(Role.SUPERVISOR))
    assert refused.status_code == 409
    assert "09:00 to 22:30 in the customer's time zone" in refused.json()["detail"]


async def test_a_customer_without_a_zone_has_the_calling_hours_of_the_deployments_default_zone(
    api_settings, world
):
    cif = world.customer("NOZONE", zone=None)
    noon_utc = call(cif, calling_moment() - timedelta(days=1))  # 06:00 or 07:00 in Chicago
    chicago = api_settings.model_copy(update={"customer_default_timezone": "America/Chicago"})
    async with api_client(chicago) as http:
        refused = await http.post("/api/actions", json=noon_utc, headers=token(Role.SUPERVISOR))
    assert refused.status_code == 409 and refused.json()["rule"] == "OUTSIDE_CALLING_HOURS"
    assert "08:00 to 21:00 in the customer's time zone, America/Chicago" in refused.json()["detail"]
    async with api_client(api_settings) as http:  # the default default: UTC, where it is noon
        accepted = await http.post("/api/actions", json=noon_utc, headers=token(Role.SUPERVISOR))
    assert accepted.status_code == 202, accepted.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"result": "MAYBE"}, "result", "unknown result code 'MAYBE'; allowed: PROMISE_TO_PAY"),
        ({"type": "FAX"}, "type", "unknown type code 'FAX'; allowed: CALL, SMS, EMAIL, VISIT, LETTER"),
        (
            {"result": "PROMISE_TO_PAY", "promise": {"date": "2020-01-01", "amount": "10"}},
            "promise.date",
            "the promise date 2020-01-01 is before the action's day",
        ),
        (  # as a payment posted here: no fraction of a dong (the customer's one loan is in VND)
            {"result": "PROMISE_TO_PAY", "promise": {"date": "2099-12-31", "amount": "1250000.50"}},
            "promise.amount",
            "VND is paid in whole units, not 1250000.50",
        ),
        ({"follow_up_date": "2020-01-01"}, "follow_up_date", "the follow-up date 2020-01-01 is before"),
        ({"at": "2099-01-01T10:00:00+00:00"}, "at", "2099-01-01T10:00:00+00:00 is in the future"),
        (
            {"account_number": "LN-SOMEONE-ELSES"},
            "account_number",
            "LN-SOMEONE-ELSES is not a loan of customer",
        ),
        ({"result": "PROMISE_TO_PAY"}, "promise", "result PROMISE_TO_PAY needs a promise"),  # the contract's
        ({"result": "WRONG_NUMBER"}, "contact", "result WRONG_NUMBER needs the contact that was wrong"),
        (  # a number without digits matches nothing: reported wrong, it would flag nothing
            {"result": "WRONG_NUMBER", "contact": {"channel": "PHONE", "number": "the mobile"}},
            "contact.number",
            "a phone number needs its digits",
        ),
        (
            {"type": "EMAIL", "contact": {"channel": "EMAIL", "number": "nguyen at example"}},
            "contact.number",
            "not an email address (like name@example.com)",
        ),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
async def test_a_bad_action_is_422_naming_the_field_and_never_reaches_kafka(
    client, world, change, field, message
):
    cif = world.customer(f"BAD-{field.replace('.', '-')}-{uuid.uuid4().hex[:4]}")
    before = world.produced()
    response = await client.post(
        "/api/actions", json={**call(cif, calling_moment()), **change}, headers=token(Role.AGENT, world.agent)
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["field"] == field and error["msg"].startswith(message), error
    assert world.produced() == before


async def test_an_action_on_a_business_date_ahead_of_the_wall_clock_is_not_in_the_future(client, world):
    """A demo's business date runs a day a minute and its action form dates actions on it, as the
    simulator does: the API takes them, up to the end of that date anywhere, as it takes payments."""
    cif = world.customer("AHEAD")
    agent = token(Role.AGENT, world.agent)
    ahead = datetime.now(UTC).date() + timedelta(days=40)
    with psycopg.connect(world.settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO loan_delinquency VALUES (%s, %s, 'VND', %s, 0, 'CURRENT', 0, 1, NULL, NULL, 1)",
            (f"LN-{cif}", cif, ahead),
        )
    try:
        before = world.produced()
        on_it = datetime.combine(ahead, datetime.now(UTC).time(), UTC).replace(hour=12)
        response = await client.post("/api/actions", json=call(cif, on_it), headers=agent)
        assert response.status_code == 202, response.text
        assert world.produced() == before + 1
        after = datetime.combine(ahead + timedelta(days=1), datetime.min.time(), UTC).replace(hour=13)
        response = await client.post("/api/actions", json=call(cif, after), headers=agent)
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["field"] == "at" and f"business date {ahead.isoformat()}" in error["msg"], error
        assert world.produced() == before + 1
    finally:
        with psycopg.connect(world.settings.database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM loan_delinquency WHERE account_number = %s", (f"LN-{cif}",))


async def test_a_promise_over_loans_in_several_currencies_names_its_loan_and_is_paid_in_its_units(
    client, world
):
    """Its payments are summed toward it, so it is in one currency: the named loan's. An amount finer than
    that currency is paid in is refused as a payment posted here would be."""
    cif = world.customer("CURRENCIES", currencies="VND USD")
    agent = token(Role.AGENT, world.agent)
    at = calling_moment()

    def promise(amount: str, account: str | None = None) -> dict:
        made = {"date": (at + timedelta(days=3)).date().isoformat(), "amount": amount}
        return call(cif, at, "PROMISE_TO_PAY", promise=made, account_number=account)

    before = world.produced()
    refusals = [
        (promise("100"), "account_number", f"the loans of customer {cif} are in USD and VND: name the"),
        (promise("100.255", f"LN-{cif}-USD"), "promise.amount", "USD is paid in at most 2 decimals, not"),
        (promise("100.5", f"LN-{cif}"), "promise.amount", "VND is paid in whole units, not 100.5"),
    ]
    for body, field, message in refusals:
        response = await client.post("/api/actions", json=body, headers=agent)
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["field"] == field and error["msg"].startswith(message), error
    assert world.produced() == before
    accepted = await client.post("/api/actions", json=promise("100.25", f"LN-{cif}-USD"), headers=agent)
    assert accepted.status_code == 202, accepted.text
    [record] = world.records(cif)
    assert (record.account_number, str(record.promise.amount)) == (f"LN-{cif}-USD", "100.25")


async def test_customers_the_caller_may_not_see_are_404(client, world):
    others = world.customer("OTHERS", agent=world.other_agent)
    agent = token(Role.AGENT, world.agent)
    hidden = await client.post("/api/actions", json=call(others, calling_moment()), headers=agent)
    unknown = await client.post(
        "/api/actions", json=call(f"C-{world.tag}-NOBODY", calling_moment()), headers=agent
    )
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json()["detail"] == f"customer {others} not found"


def test_the_action_checks_see_customers_by_the_visibility_rule_of_every_other_read(world):
    """Migration 0018's function writes out `api.visibility.CUSTOMER_VISIBLE` (a function body cannot take
    the fragment): both give the same answer for every kind of caller, about seen and hidden customers."""
    mine, others = world.customer("VIS-MINE"), world.customer("VIS-OTHERS", agent=world.other_agent)
    unknown = f"C-{world.tag}-VIS-NOBODY"
    scopes = [
        Scope(),
        Scope(agent_id=world.agent),
        Scope(agent_id=world.other_agent),
        Scope(agent_id=NOTHING_AGENT),
        Scope(team="T-ACT"),
        Scope(team="T-ELSEWHERE"),
    ]
    with psycopg.connect(world.settings.database_url, autocommit=True) as conn:
        for scope, cif in itertools.product(scopes, (mine, others, unknown)):
            params = {"cif": cif, **visibility_parameters(scope)}
            rule = conn.execute(
                f"SELECT {CUSTOMER_VISIBLE} FROM customers c WHERE c.cif = %(cif)s", params
            ).fetchone()
            with conn.transaction():
                checked = conn.execute(
                    "SELECT customer_known, customer_visible FROM action_checks('A', %(cif)s, NULL, NULL,"
                    " now(), %(see_everything)s, %(see_agent)s, %(see_team)s, false)",
                    params,
                ).fetchone()
            known, visible = checked
            assert known == (rule is not None), (scope, cif)
            assert not known or visible == rule[0], (scope, cif)  # an unknown customer is 404 anyway
    assert not known  # the last: the unknown customer


@pytest.mark.parametrize(
    ("role", "agent_id", "named", "expected"),
    [
        (Role.ADMIN, None, None, 403),
        (Role.INTEGRATION, None, None, 403),
        (Role.AGENT, "AG-OWN", "AG-SOMEONE-ELSE", 403),
        (Role.SUPERVISOR, None, "AG-NAMED", 202),  # a supervisor without a team sees every agent
    ],
)
async def test_who_may_record_actions(client, world, role, agent_id, named, expected):
    cif = world.customer(f"ROLE-{uuid.uuid4().hex[:6]}")
    body = call(cif, calling_moment(), **({"agent_id": named} if named else {}))
    response = await client.post("/api/actions", json=body, headers=token(role, agent_id))
    assert response.status_code == expected, response.text
    assert (await client.post("/api/actions", json=body)).status_code == 401


async def test_kafka_down_is_503_with_nothing_stored_and_a_retry_succeeds(client, world, api_settings):
    cif = world.customer("KAFKA")
    body = call(cif, calling_moment(), action_id=f"ACT-{world.tag}-K")
    agent = token(Role.AGENT, world.agent)
    down = api_settings.model_copy(update={"kafka_brokers": "127.0.0.1:1"})
    async with api_client(down, delivery_timeout_s=2) as unreachable:
        response = await unreachable.post("/api/actions", json=body, headers=agent)
    assert response.status_code == 503, response.text
    assert "Kafka (127.0.0.1:1) did not" in response.json()["detail"]
    assert response.json()["detail"].endswith("nothing was changed")
    assert world.accepted_rows(body["action_id"]) == 0
    retried = await client.post("/api/actions", json=body, headers=agent)
    assert retried.status_code == 202 and world.accepted_rows(body["action_id"]) == 1
    assert [r.action_id for r in world.records(cif)] == [body["action_id"]]


async def test_the_dictionaries_are_served_to_any_role(client):
    response = await client.get("/api/dictionaries", headers=token(Role.AGENT, "AG-1"))
    assert response.status_code == 200
    body = response.json()
    assert {"code": "CALL", "label": "Phone call"} in body["action_types"]
    assert "CEASE_COMMUNICATION" in [e["code"] for e in body["action_results"]]
    assert (await client.get("/api/dictionaries")).status_code == 401


async def test_a_dictionaries_file_replaces_the_codes_and_a_bad_one_stops_the_start(
    api_settings, world, tmp_path
):
    path = tmp_path / "dictionaries.json"
    kept = [{"code": code, "label": code.title()} for code in sorted(PROTECTED_CODES["action_results"])]
    results = [{"code": "HUA_TRA", "label": "Hứa trả"}, *kept]
    path.write_bytes(orjson.dumps({"action_results": results}))
    cif = world.customer("DICT")
    agent = token(Role.AGENT, world.agent)
    async with api_client(api_settings.model_copy(update={"dictionaries_file": path})) as custom:
        served = await custom.get("/api/dictionaries", headers=agent)
        assert served.json()["action_results"] == results
        ok = await custom.post(
            "/api/actions", json={**call(cif, calling_moment()), "result": "HUA_TRA"}, headers=agent
        )
        no = await custom.post("/api/actions", json=call(cif, calling_moment()), headers=agent)
    assert (ok.status_code, no.status_code) == (202, 422)
    assert no.json()["detail"][0]["msg"].startswith("unknown result code 'NO_ANSWER'; allowed: HUA_TRA, ")
    path.write_text('{"action_results": "everything"}')
    with pytest.raises(InvalidDictionaries, match="action_results: expected a non-empty list"):
        async with api_client(api_settings.model_copy(update={"dictionaries_file": path})):
            pass
    # A file may not drop a code the product acts on by name: promises could no longer be recorded
    path.write_bytes(orjson.dumps({"action_results": [r for r in results if r["code"] != "PROMISE_TO_PAY"]}))
    lacks = r"action_results lacks PROMISE_TO_PAY \(a promise to pay is recorded only with it\); keep"
    with pytest.raises(InvalidDictionaries, match=lacks):
        async with api_client(api_settings.model_copy(update={"dictionaries_file": path})):
            pass


@pytest.fixture
def fast_path_actions(monkeypatch) -> list[str]:
    """The customers whose action the fast path (api.fast_paths) recorded or refused, in order."""
    seen = []
    real = fast_paths.answer_action

    async def noting(resources, dictionaries, user, body):
        seen.append(body.cif)
        return await real(resources, dictionaries, user, body)

    monkeypatch.setattr(fast_paths, "answer_action", noting)
    return seen


async def _post_both_ways(client, body: dict, headers: dict) -> tuple:
    """The body through the fast path, then through the route (a query parameter that the route ignores
    and the fast path does not know)."""
    fast = await client.post("/api/actions", json=body, headers=headers)
    routed = await client.post("/api/actions?via=route", json=body, headers=headers)
    return fast, routed


async def test_the_fast_path_answers_byte_for_byte_as_the_route(client, world, fast_path_actions):
    agent = token(Role.AGENT, world.agent)
    cif, hidden = world.customer("FAST"), world.customer("FAST-HIDDEN", agent=world.other_agent)
    at = calling_moment()
    ceased = world.customer("FAST-CEASED")
    world.snapshot(ceased, [{**attempt(ceased, 0, at - timedelta(days=20)), "result": "CEASE_COMMUNICATION"}])
    letter = {**call(cif, at, "LEFT_MESSAGE"), "type": "LETTER", "action_id": f"ACT-{world.tag}-F"}
    cases = [
        (letter, agent, 202),  # accepted by the fast path, then repeated through the route: the first reply
        ({**letter, "notes": "changed"}, agent, 409),  # the id taken by another action
        (call(hidden, at), agent, 404),
        (call(ceased, at), agent, 409),  # the contact rule, with its own body
        ({**call(cif, at), "follow_up_date": "2020-01-01"}, agent, 422),  # the service's 422
        ({**call(cif, at), "agent_id": "AG-SOMEONE"}, agent, 403),
    ]
    for body, headers, expected in cases:
        fast, routed = await _post_both_ways(client, body, headers)
        assert (fast.status_code, routed.status_code) == (expected, expected), (body, fast.text, routed.text)
        assert fast.content == routed.content, body
        assert fast.headers["content-type"] == routed.headers["content-type"]
        assert fast.headers["x-request-id"] != routed.headers["x-request-id"]  # the middleware still applies
    assert fast_path_actions == [cif, cif, hidden, ceased, cif, cif]


@pytest.mark.parametrize(
    ("headers", "content", "expected"),
    [
        ({}, b"{}", 401),
        ({"Authorization": "Bearer not-a-token"}, b"{}", 401),
        (token(Role.ADMIN), b"{}", 403),
        (token(Role.AGENT, "AG-X"), b'{"cif": "C-1"}', 422),  # the contract refuses it: the route words it
        (token(Role.AGENT, "AG-X"), b"not json", 422),
        ({**token(Role.AGENT, "AG-X"), "Content-Type": "text/plain"}, b"{}", 415),
        ({**token(Role.AGENT, "AG-X"), "Content-Type": "application/x-www-form-urlencoded"}, b"cif=C-1", 415),
        ({**token(Role.AGENT, "AG-X"), "Content-Type": ""}, b"{}", 422),  # no content type: read as JSON
        ({**token(Role.AGENT, "AG-X"), "Content-Type": "application/merge-patch+json"}, b"{}", 422),
    ],
)
async def test_what_the_fast_path_leaves_to_the_route(client, fast_path_actions, headers, content, expected):
    response = await client.post(
        "/api/actions", content=content, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status_code == expected, response.text
    if expected == 415:
        sent = headers["Content-Type"]
        assert response.json() == {"detail": f"send the body as application/json, not {sent}"}
    assert fast_path_actions == []


@pytest.mark.parametrize(
    ("store", "down", "detail"),
    [
        (
            "redis",
            {"redis_url": "redis://127.0.0.1:1/0"},
            "Redis is unavailable, so the call cannot be checked",
        ),
        ("postgres", {"database_url": "postgresql://crm@127.0.0.1:1/crm"}, "PostgreSQL is unavailable"),
    ],
)
async def test_a_store_down_is_503_and_nothing_is_recorded(
    api_settings, world, fast_path_actions, store, down, detail
):
    cif = world.customer(f"DOWN-{store}")
    body = call(cif, calling_moment(), action_id=f"ACT-{world.tag}-{store}")
    before = world.produced()
    async with api_client(api_settings.model_copy(update=down)) as cut_off:
        response = await cut_off.post("/api/actions", json=body, headers=token(Role.AGENT, world.agent))
    assert response.status_code == 503, response.text
    assert response.json()["detail"].startswith(detail)
    assert fast_path_actions == [cif]  # answered by the fast path, through the app's error handlers
    assert world.accepted_rows(body["action_id"]) == 0 and world.produced() == before


async def test_a_promise_amount_sent_as_a_json_number_is_read_alike_on_either_path(
    client, world, fast_path_actions
):
    cif = world.customer("NUMBER", currencies="USD")
    at = calling_moment()
    body = call(cif, at, "PROMISE_TO_PAY", action_id=f"ACT-{world.tag}-N")
    promise_date = (at + timedelta(days=2)).date().isoformat()
    # a JSON number with a trailing zero: read exactly on both paths (FastAPI alone would read a float)
    raw = orjson.dumps(body)[:-1] + f', "promise": {{"date": "{promise_date}", "amount": 1250.10}}}}'.encode()
    headers = {**token(Role.AGENT, world.agent), "Content-Type": "application/json"}
    first = await client.post("/api/actions", content=raw, headers=headers)
    again = await client.post("/api/actions?via=route", content=raw, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202), (first.text, again.text)
    assert first.content == again.content  # a repeat of the same action, not a different one
    assert fast_path_actions == [cif]
    [record] = world.records(cif)
    assert str(record.promise.amount) == "1250.10"


async def test_writes_waiting_for_an_unreachable_kafka_leave_the_360_view_its_connections(
    api_settings, world
):
    """More actions than the write pool has connections, each waiting for Kafka's verdict (2 s): a 360 view
    meanwhile answers at once from its own pool."""
    cifs = [world.customer(f"WAIT-{n}") for n in range(10)]  # one each: no customer's lock is waited for
    agent = token(Role.AGENT, world.agent)
    down = api_settings.model_copy(update={"kafka_brokers": "127.0.0.1:1"})
    async with api_client(down, delivery_timeout_s=2) as unreachable:
        letters = [
            asyncio.create_task(
                unreachable.post("/api/actions", json=letter(cif, calling_moment()), headers=agent)
            )
            for cif in cifs
        ]
        await asyncio.sleep(0.5)  # the letters hold their connections, waiting for Kafka
        view = await unreachable.get(f"/api/customers/{cifs[0]}", headers=agent)
        assert view.status_code == 200, view.text
        assert not any(task.done() for task in letters)  # answered while every write still waited
        assert {(await task).status_code for task in letters} == {503}


def letter(cif: str, at: datetime) -> dict:
    return {**call(cif, at, "LEFT_MESSAGE"), "type": "LETTER"}

"""The contacts agents add to a customer over real PostgreSQL and Kafka: saved whole as versions by who works
the customer, published to crm.contacts, in the 360 view too, checked before anything is stored or sent,
and who may read or change them."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import orjson
import psycopg
import pytest

from contracts import CrmContacts
from contracts.admin import Role
from tests.api_client import api_client, token
from tests.integration.test_api_actions import World
from tests.kafka_helpers import message_count, read_all
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="module")
def world(api_settings) -> World:
    return World(api_settings)


def path(cif: str) -> str:
    return f"/api/contacts/{quote(cif, safe='')}"


def topic(settings) -> str:
    return physical_name("crm.contacts", settings)


def published(settings, cif: str) -> list[CrmContacts]:
    return [
        CrmContacts.model_validate_json(value)
        for key, value in read_all(settings.kafka_brokers, topic(settings), idle=1.0)
        if key == cif.encode()
    ]


PHONE = {"type": "MOBILE", "number": "+84 91 555 0001", "is_verified": True, "note": "his new mobile"}
EMAIL = {"type": "WORK", "address": "a.nguyen@example.com", "is_verified": False, "note": ""}
ADDRESS = {
    "type": "WORK",
    "line1": "12 Ly Thuong Kiet",
    "line2": None,
    "city": "Hanoi",
    "province": "Hoan Kiem",
    "postal_code": "100000",
    "country": "VN",
    "is_verified": True,
    "note": "the shop, weekdays",
}


async def test_the_agent_saves_contacts_as_versions_published_and_in_the_360_view(
    client, world, api_settings
):
    cif = world.customer("CONTACTS")
    agent = token(Role.AGENT, world.agent)
    empty = await client.get(path(cif), headers=agent)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {
        "phones": [],
        "emails": [],
        "addresses": [],
        "version": 0,
        "updated_at": None,
        "updated_by": None,
    }
    saved = await client.put(
        path(cif), json={"phones": [PHONE], "emails": [EMAIL], "version": 0}, headers=agent
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["phones"] == [PHONE] and saved.json()["emails"] == [EMAIL]
    assert (saved.json()["version"], saved.json()["updated_by"]) == (1, "agent-user")
    supervisor = token(Role.SUPERVISOR, team="T-ACT")
    second = {"type": "HOME", "number": "+84 28 555 0002", "is_verified": False, "note": ""}
    again = {"phones": [PHONE, second], "emails": [], "version": 1}
    assert (await client.put(path(cif), json=again, headers=supervisor)).json()["version"] == 2
    # a save that changes nothing keeps the version and sends nothing
    assert (await client.put(path(cif), json={**again, "version": 2}, headers=agent)).json()["version"] == 2

    view = (await client.get(f"/api/customers/{cif}", headers=token(Role.ADMIN))).json()
    assert view["crm_contacts"]["version"] == 2
    assert [p["number"] for p in view["crm_contacts"]["phones"]] == ["+84 91 555 0001", "+84 28 555 0002"]
    messages = published(api_settings, cif)
    assert [(m.version, m.updated_by, len(m.phones), len(m.emails)) for m in messages] == [
        (1, "agent-user", 1, 1),
        (2, "supervisor-user", 2, 0),
    ]
    assert messages[1].model_dump(mode="json")["phones"][1] == second
    with psycopg.connect(api_settings.database_url) as conn:
        audited = conn.execute(
            "SELECT who, details FROM audit_log WHERE action = 'contacts.update' AND target = %s ORDER BY at",
            (f"customer:{cif}",),
        ).fetchall()
    assert audited == [
        (
            "agent-user",
            {"version": 1, "phones_added": ["+84 91 555 0001"], "emails_added": [EMAIL["address"]]},
        ),
        (
            "supervisor-user",
            {"version": 2, "phones_added": ["+84 28 555 0002"], "emails_removed": [EMAIL["address"]]},
        ),
    ]


async def test_addresses_agents_add_are_saved_with_the_list_published_and_audited_by_their_line(
    client, world, api_settings
):
    cif = world.customer("CONTACTSADDR")
    agent = token(Role.AGENT, world.agent)
    saved = await client.put(path(cif), json={"addresses": [ADDRESS], "version": 0}, headers=agent)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["addresses"], saved.json()["version"]) == ([ADDRESS], 1)
    moved = {**ADDRESS, "line1": "8 Hang Bai", "is_verified": False, "note": "moved in May"}
    body = {"phones": [PHONE], "addresses": [moved, {**ADDRESS, "note": "the shop, mornings"}], "version": 1}
    assert (await client.put(path(cif), json=body, headers=agent)).json()["version"] == 2
    view = (await client.get(f"/api/customers/{cif}", headers=token(Role.ADMIN))).json()
    assert [a["line1"] for a in view["crm_contacts"]["addresses"]] == ["8 Hang Bai", "12 Ly Thuong Kiet"]
    messages = published(api_settings, cif)
    assert [[a.line1 for a in m.addresses] for m in messages] == [
        ["12 Ly Thuong Kiet"],
        ["8 Hang Bai", "12 Ly Thuong Kiet"],
    ]
    with psycopg.connect(api_settings.database_url) as conn:
        audited = conn.execute(
            "SELECT details FROM audit_log WHERE action = 'contacts.update' AND target = %s ORDER BY at",
            (f"customer:{cif}",),
        ).fetchall()
    shop = "12 Ly Thuong Kiet, Hoan Kiem, Hanoi 100000, VN"
    assert [details for (details,) in audited] == [
        {"version": 1, "addresses_added": [shop]},
        {
            "version": 2,
            "phones_added": [PHONE["number"]],
            "addresses_added": ["8 Hang Bai, Hoan Kiem, Hanoi 100000, VN"],
            "addresses_changed": [shop],
        },
    ]


async def test_a_list_left_out_keeps_what_was_saved_and_an_empty_one_empties_it(client, world, api_settings):
    cif = world.customer("CONTACTSKEEP")
    agent = token(Role.AGENT, world.agent)
    first = {"phones": [PHONE], "emails": [EMAIL], "addresses": [ADDRESS], "version": 0}
    assert (await client.put(path(cif), json=first, headers=agent)).json()["version"] == 1
    # a client that knows only phones and emails (written before addresses existed) adds a phone
    second = {"type": "HOME", "number": "+84 28 555 0002", "is_verified": False, "note": ""}
    older = await client.put(path(cif), json={"phones": [PHONE, second], "version": 1}, headers=agent)
    assert older.status_code == 200, older.text
    kept = older.json()
    assert (kept["version"], kept["phones"], kept["emails"], kept["addresses"]) == (
        2,
        [PHONE, second],
        [EMAIL],
        [ADDRESS],
    )
    # what is published is the whole list as saved
    assert published(api_settings, cif)[-1].model_dump(mode="json")["addresses"] == [ADDRESS]
    # sending nothing but the version changes nothing
    assert (await client.put(path(cif), json={"version": 2}, headers=agent)).json()["version"] == 2
    emptied = (await client.put(path(cif), json={"addresses": [], "version": 2}, headers=agent)).json()
    assert (emptied["version"], emptied["addresses"], len(emptied["phones"])) == (3, [], 2)
    with psycopg.connect(api_settings.database_url) as conn:
        audited = conn.execute(
            "SELECT details FROM audit_log WHERE action = 'contacts.update' AND target = %s ORDER BY at",
            (f"customer:{cif}",),
        ).fetchall()
    assert [details for (details,) in audited][1:] == [
        {"version": 2, "phones_added": [second["number"]]},
        {"version": 3, "addresses_removed": ["12 Ly Thuong Kiet, Hoan Kiem, Hanoi 100000, VN"]},
    ]


async def test_a_save_based_on_an_older_version_is_409_and_changes_nothing(client, world, api_settings):
    cif = world.customer("CONTACTSTALE")
    agent = token(Role.AGENT, world.agent)
    assert (
        await client.put(path(cif), json={"phones": [PHONE], "version": 0}, headers=agent)
    ).status_code == 200
    late = await client.put(path(cif), json={"emails": [EMAIL], "version": 0}, headers=agent)
    assert late.status_code == 409
    assert late.json()["detail"].startswith("the contacts were saved by agent-user at ")
    assert late.json()["detail"].endswith("they are at version 1; read them again and redo the change")
    assert (await client.get(path(cif), headers=agent)).json()["emails"] == []
    assert [m.version for m in published(api_settings, cif)] == [1]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"phones": [{**PHONE, "number": "call me"}]},
            ["phones", 0, "number"],
            "String should match pattern",
        ),
        (
            {"phones": [{**PHONE, "number": "()-"}]},  # the pattern's characters only: nothing to dial
            ["phones", 0, "number"],
            "a phone number needs its digits",
        ),
        (
            {"emails": [{**EMAIL, "address": "nobody"}]},
            ["emails", 0, "address"],
            "String should match pattern",
        ),
        ({"phones": [{**PHONE, "type": "PAGER"}]}, ["phones", 0, "type"], "Input should be 'MOBILE'"),
        ({"phones": [{**PHONE, "note": "x" * 201}]}, ["phones", 0, "note"], "String should have at most 200"),
        (
            {"phones": [PHONE, {**PHONE, "number": "+84915550001"}]},
            ["phones"],
            "+84915550001 is listed twice",
        ),
        (
            {"emails": [EMAIL, {**EMAIL, "address": "A.Nguyen@Example.com"}]},
            ["emails"],
            "A.Nguyen@Example.com is listed twice",
        ),
        (
            {"phones": [{**PHONE, "number": f"+84 91 555 00{n:02}"} for n in range(11)]},
            ["phones"],
            "List should have at most 10 items",
        ),
        ({"version": -1}, ["version"], "Input should be greater than or equal to 0"),
        (
            {"addresses": [{**ADDRESS, "country": "Vietnam"}]},
            ["addresses", 0, "country"],
            "String should match",
        ),
        ({"addresses": [{**ADDRESS, "city": ""}]}, ["addresses", 0, "city"], "String should have at least 1"),
        (
            {"addresses": [ADDRESS, {**ADDRESS, "line1": "12  LY THUONG KIET ", "note": "again"}]},
            ["addresses"],
            "12  LY THUONG KIET , Hoan Kiem, Hanoi 100000, VN is listed twice",
        ),
        (
            {"addresses": [{**ADDRESS, "line1": f"{n} Hang Bai"} for n in range(11)]},
            ["addresses"],
            "List should have at most 10 items",
        ),
    ],
)
async def test_a_bad_list_is_422_at_the_field_and_nothing_is_stored_or_sent(
    client, world, api_settings, body, field, message
):
    cif = world.customer(f"CONTACTSBAD-{uuid.uuid4().hex[:6]}")
    before = message_count(api_settings.kafka_brokers, topic(api_settings))
    response = await client.put(
        path(cif), json={"version": 0, **body}, headers=token(Role.AGENT, world.agent)
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", *field] and problem["msg"].startswith(message), problem
    assert (await client.get(path(cif), headers=token(Role.ADMIN))).json()["version"] == 0
    assert message_count(api_settings.kafka_brokers, topic(api_settings)) == before


async def test_a_list_sent_as_other_than_json_is_415_and_nothing_is_stored_or_sent(
    client, world, api_settings
):
    cif = world.customer("CONTACTSTEXT")
    before = message_count(api_settings.kafka_brokers, topic(api_settings))
    headers = {**token(Role.AGENT, world.agent), "Content-Type": "text/plain; charset=utf-8"}
    response = await client.put(
        path(cif), content=orjson.dumps({"phones": [PHONE], "version": 0}), headers=headers
    )
    assert response.status_code == 415, response.text
    assert response.json() == {"detail": "send the body as application/json, not text/plain"}
    assert (await client.get(path(cif), headers=token(Role.ADMIN))).json()["version"] == 0
    assert message_count(api_settings.kafka_brokers, topic(api_settings)) == before


async def test_who_works_the_customer_changes_the_contacts_others_read_them_or_get_404(client, world):
    cif = world.customer("CONTACTSWHO")
    body = {"phones": [PHONE], "version": 0}
    for headers, status in (
        (token(Role.AGENT, "AG-SOMEONE-ELSE"), 404),  # not their customer: as if unknown
        (token(Role.SUPERVISOR, team="T-ELSEWHERE"), 404),
        (token(Role.ADMIN), 403),
        (token(Role.INTEGRATION), 403),
        ({}, 401),
    ):
        assert (await client.put(path(cif), json=body, headers=headers)).status_code == status
    for headers, status in ((token(Role.ADMIN), 200), (token(Role.AGENT, "AG-SOMEONE-ELSE"), 404)):
        assert (await client.get(path(cif), headers=headers)).status_code == status
    assert (await client.get(path("NO-SUCH-CUSTOMER"), headers=token(Role.ADMIN))).status_code == 404
    slash = world.customer("CONTACTS/SLASH")
    response = await client.put(path(slash), json=body, headers=token(Role.AGENT, world.agent))
    assert response.status_code == 200, response.text


async def test_kafka_down_is_503_with_nothing_saved_and_a_retry_succeeds(client, world, api_settings):
    cif = world.customer("CONTACTSDOWN")
    body = {"phones": [PHONE], "version": 0}
    agent = token(Role.AGENT, world.agent)
    down = api_settings.model_copy(update={"kafka_brokers": "127.0.0.1:1"})
    async with api_client(down, delivery_timeout_s=2) as unreachable:
        response = await unreachable.put(path(cif), json=body, headers=agent)
    assert response.status_code == 503, response.text
    assert (await client.get(path(cif), headers=agent)).json()["version"] == 0
    retried = await client.put(path(cif), json=body, headers=agent)
    assert retried.status_code == 200 and retried.json()["version"] == 1
    assert orjson.loads(published(api_settings, cif)[0].model_dump_json())["phones"] == [PHONE]

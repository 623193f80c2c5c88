"""A customer's case over real PostgreSQL: its statuses and notes saved as versions by who works the customer,
codes from the dictionaries, the open follow-up date from the actions, in the 360 view too, and who may
read or change it."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import orjson
import psycopg
import pytest

from contracts import CaseRecord
from contracts.admin import Role
from tests.api_client import api_client, token
from tests.integration.test_api_actions import World
from tests.kafka_helpers import read_all
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="module")
def world(api_settings) -> World:
    return World(api_settings)


def path(cif: str) -> str:
    return f"/api/cases/{quote(cif, safe='')}"


def action(
    world: World, cif: str, n: int, at: str, follow_up: str | None = None, day: str | None = None
) -> None:
    """An action as the promises processor stores it (``day``: in its own offset; None as before 0027)."""
    with psycopg.connect(world.settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO actions (action_id, cif, agent_id, type, subtype, result, at, follow_up_date, day)"
            " VALUES (%s, %s, %s, 'CALL', 'OUTBOUND', 'CALLBACK', %s, %s, %s)",
            (f"{cif}-F{n}", cif, world.agent, at, follow_up, day),
        )


async def test_the_agent_saves_the_case_as_versions_and_the_360_view_shows_it(client, world, api_settings):
    cif = world.customer("CASE")
    agent = token(Role.AGENT, world.agent)
    empty = await client.get(path(cif), headers=agent)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {
        "state": None,
        "substate": None,
        "recovery_ability": None,
        "notes": "",
        "follow_up_date": None,
        "version": 0,
        "updated_at": None,
        "updated_by": None,
    }
    body = {
        "state": "NEGOTIATING",
        "substate": "AWAITING_DOCUMENTS",
        "recovery_ability": "MEDIUM",
        "notes": "Lost his job.\nCall after 5pm.",
        "version": 0,
    }
    saved = await client.put(path(cif), json=body, headers=agent)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["updated_by"], saved.json()["notes"]) == (
        1,
        "agent-user",
        "Lost his job.\nCall after 5pm.",
    )
    supervisor = token(Role.SUPERVISOR, team="T-ACT")
    again = {**body, "state": "PAYMENT_PLAN", "version": 1}
    assert (await client.put(path(cif), json=again, headers=supervisor)).json()["version"] == 2
    view = await client.get(f"/api/customers/{cif}", headers=token(Role.ADMIN))
    assert view.json()["case"]["state"] == "PAYMENT_PLAN" and view.json()["case"]["version"] == 2
    assert view.json()["case"]["substate"] == "AWAITING_DOCUMENTS"
    with psycopg.connect(api_settings.database_url) as conn:
        audited = conn.execute(
            "SELECT who, details FROM audit_log WHERE action = 'case.update' AND target = %s ORDER BY at",
            (f"customer:{cif}",),
        ).fetchall()
    assert audited == [
        (
            "agent-user",
            {
                "version": 1,
                "state": "NEGOTIATING",
                "substate": "AWAITING_DOCUMENTS",
                "recovery_ability": "MEDIUM",
                "notes": body["notes"],
            },
        ),
        ("supervisor-user", {"version": 2, "state": "PAYMENT_PLAN"}),  # only what changed
    ]


async def test_a_save_based_on_an_older_version_is_refused_and_changes_nothing(client, world):
    cif = world.customer("CASESTALE")
    agent = token(Role.AGENT, world.agent)
    first = {"state": "CONTACTING", "notes": "", "version": 0}
    assert (await client.put(path(cif), json=first, headers=agent)).status_code == 200
    late = await client.put(path(cif), json={"state": "LEGAL", "version": 0}, headers=agent)
    assert late.status_code == 409
    assert late.json()["detail"].startswith("the case was saved by agent-user at ")
    assert late.json()["detail"].endswith("it is at version 1; read it again and redo the change")
    assert (await client.get(path(cif), headers=agent)).json()["state"] == "CONTACTING"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"state": "ON_HOLD"},
            "state",
            "unknown state code 'ON_HOLD'; allowed: NEW, CONTACTING, NEGOTIATING",
        ),
        (
            {"recovery_ability": "MAYBE"},
            "recovery_ability",
            "unknown recovery_ability code 'MAYBE'; allowed: HIGH",
        ),
        (
            {"substate": "SOMEWHERE"},
            "substate",
            "unknown substate code 'SOMEWHERE'; allowed: AWAITING_CALLBACK, AWAITING_DOCUMENTS",
        ),
        ({"state": "legal"}, "state", "String should match pattern"),
        ({"notes": "x" * 4001}, "notes", "String should have at most 4000 characters"),
    ],
)
async def test_a_code_outside_the_dictionaries_or_too_long_notes_are_422_at_the_field(
    client, world, body, field, message
):
    cif = world.customer(f"CASEBAD-{uuid.uuid4().hex[:6]}")
    response = await client.put(
        path(cif), json={"version": 0, **body}, headers=token(Role.AGENT, world.agent)
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", field] and problem["msg"].startswith(message)


async def test_the_follow_up_date_is_the_latest_one_an_action_set_until_an_action_on_or_after_it(
    client, world
):
    cif = world.customer("CASEFOLLOW")
    agent = token(Role.AGENT, world.agent)
    action(world, cif, 1, "2026-03-02T09:00:00+00:00", follow_up="2026-03-05")
    action(world, cif, 2, "2026-03-03T09:00:00+00:00", follow_up="2026-03-09")  # the latest set wins
    action(world, cif, 3, "2026-03-04T09:00:00+00:00")  # before the day: still open
    assert (await client.get(path(cif), headers=agent)).json()["follow_up_date"] == "2026-03-09"
    action(world, cif, 4, "2026-03-09T15:00:00+00:00")  # on the day: done
    assert (await client.get(path(cif), headers=agent)).json()["follow_up_date"] is None
    view = await client.get(f"/api/customers/{cif}", headers=agent)
    assert view.json()["case"]["follow_up_date"] is None


async def test_a_follow_up_is_done_by_an_action_on_its_day_in_the_action_s_own_offset_as_the_queue_counts(
    client, world
):
    cif = world.customer("CASEFOLLOWLOCAL")
    agent = token(Role.AGENT, world.agent)
    action(world, cif, 1, "2026-03-02T09:00:00+07:00", follow_up="2026-03-09", day="2026-03-02")
    # 06:30 in Hanoi on the 9th is still the 8th in UTC: the call on the day completes it
    action(world, cif, 2, "2026-03-09T06:30:00+07:00", day="2026-03-09")
    assert (await client.get(path(cif), headers=agent)).json()["follow_up_date"] is None
    # a row written before the day was kept is read as its UTC day: the 8th, before the date
    late = world.customer("CASEFOLLOWOLD")
    action(world, late, 1, "2026-03-02T09:00:00+07:00", follow_up="2026-03-09")
    action(world, late, 2, "2026-03-09T06:30:00+07:00")
    assert (await client.get(path(late), headers=agent)).json()["follow_up_date"] == "2026-03-09"


async def test_a_substate_that_does_not_go_with_the_state_is_422_unless_the_pair_was_saved_so_before(
    client, world, api_settings
):
    cif = world.customer("CASEPAIR")
    agent = token(Role.AGENT, world.agent)
    body = {
        "state": "NEGOTIATING",
        "substate": "COURT_FILED",
        "recovery_ability": None,
        "notes": "",
        "version": 0,
    }
    refused = await client.put(path(cif), json=body, headers=agent)
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert (problem["loc"], problem["msg"]) == (
        ["body", "substate"],
        "substate COURT_FILED goes with the case states LEGAL, not NEGOTIATING",
    )
    no_state = await client.put(path(cif), json={**body, "state": None}, headers=agent)
    assert no_state.status_code == 422 and "not no state" in no_state.text
    assert (await client.get(path(cif), headers=agent)).json()["version"] == 0
    # a pair saved before the substate's states were narrowed (written here as an older release did)
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO cases (cif, state, substate, notes, version, updated_at, updated_by)"
            " VALUES (%s, 'NEGOTIATING', 'COURT_FILED', '', 1, now(), 'agent-user')",
            (cif,),
        )
    kept = await client.put(path(cif), json={**body, "notes": "Called.", "version": 1}, headers=agent)
    assert kept.status_code == 200, kept.text
    assert (kept.json()["state"], kept.json()["substate"], kept.json()["version"]) == (
        "NEGOTIATING",
        "COURT_FILED",
        2,
    )
    moved = await client.put(path(cif), json={**body, "state": "CONTACTING", "version": 2}, headers=agent)
    assert moved.status_code == 422  # once the state changes, the substate must go with it
    legal = await client.put(path(cif), json={**body, "state": "LEGAL", "version": 2}, headers=agent)
    assert legal.status_code == 200, legal.text


async def test_who_works_the_customer_changes_the_case_others_read_it_or_get_404(client, world):
    cif = world.customer("CASEWHO")
    body = {"state": "NEW", "version": 0}
    for headers, status in (
        (token(Role.AGENT, "AG-SOMEONE-ELSE"), 404),  # not their customer: as if unknown
        (token(Role.SUPERVISOR, team="T-ELSEWHERE"), 404),
        (token(Role.ADMIN), 403),
        (token(Role.INTEGRATION), 403),
        ({}, 401),
    ):
        assert (await client.put(path(cif), json=body, headers=headers)).status_code == status
    for headers, status in (
        (token(Role.ADMIN), 200),
        (token(Role.AGENT, "AG-SOMEONE-ELSE"), 404),
    ):
        assert (await client.get(path(cif), headers=headers)).status_code == status
    assert (await client.get(path("NO-SUCH-CUSTOMER"), headers=token(Role.ADMIN))).status_code == 404


async def test_a_cif_holding_a_slash_is_reached_percent_encoded(client, world, api_settings):
    cif = world.customer("CASE/SLASH")
    response = await client.put(
        path(cif), json={"state": "NEW", "version": 0}, headers=token(Role.AGENT, world.agent)
    )
    assert response.status_code == 200, response.text


async def test_each_save_publishes_the_statuses_for_the_campaigns_and_kafka_down_saves_nothing(
    client, world, api_settings
):
    cif = world.customer("CASEPUB")
    agent = token(Role.AGENT, world.agent)
    body = {
        "state": "LEGAL",
        "substate": "COURT_FILED",
        "recovery_ability": "LOW",
        "notes": "Private: court on 3 May.",
        "version": 0,
    }
    down = api_settings.model_copy(update={"kafka_brokers": "127.0.0.1:1"})
    async with api_client(down, delivery_timeout_s=2) as unreachable:
        response = await unreachable.put(path(cif), json=body, headers=agent)
    assert response.status_code == 503, response.text
    assert (await client.get(path(cif), headers=agent)).json()["version"] == 0
    saved = await client.put(path(cif), json=body, headers=agent)
    assert saved.status_code == 200, saved.text
    topic = physical_name("crm.cases", api_settings)
    [record] = [
        CaseRecord.model_validate_json(value)
        for key, value in read_all(api_settings.kafka_brokers, topic, idle=1.0)
        if key == cif.encode()
    ]
    assert (record.state, record.substate, record.recovery_ability, record.version, record.updated_by) == (
        "LEGAL",
        "COURT_FILED",
        "LOW",
        1,
        "agent-user",
    )
    assert record.updated_at.isoformat() == saved.json()["updated_at"].replace("Z", "+00:00")
    assert "notes" not in orjson.loads(record.model_dump_json())  # the notes stay in PostgreSQL

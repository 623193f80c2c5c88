"""An admin editing the code dictionaries, over real PostgreSQL: versions, the codes the contact rules need,
every worker's forms and checks following a save, and the file or the built-ins until one is made."""

from __future__ import annotations

import asyncio

import orjson
import psycopg
import pytest

from api.services.dictionaries import DictionaryBook
from contracts.admin import Role
from domain.dictionaries import DEFAULT_DICTIONARIES
from tests.api_client import api_client, token
from tests.integration.test_api_actions import World, call, calling_moment

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
ADMIN = token(Role.ADMIN)
DEFAULTS = DEFAULT_DICTIONARIES.as_dict()


@pytest.fixture
def nothing_saved(api_settings):
    """No saved dictionaries before or after (PostgreSQL is shared by every test of the run)."""

    def clear() -> None:
        with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM dictionaries")

    clear()
    yield
    clear()


@pytest.fixture(scope="module")
def world(api_settings) -> World:
    return World(api_settings)


def edited(**changes) -> dict:
    """The default dictionaries with some replaced."""
    return {**DEFAULTS, **changes}


async def test_an_admin_saves_a_version_that_the_forms_and_the_action_checks_use(
    client, nothing_saved, world, api_settings
):
    before = await client.get("/api/admin/dictionaries", headers=ADMIN)
    assert before.status_code == 200, before.text
    assert (before.json()["source"], before.json()["version"], before.json()["updated_by"]) == (
        "built-in",
        0,
        None,
    )
    assert before.json()["protected"] == {
        "action_types": ["CALL", "LETTER"],
        "action_subtypes": ["INBOUND"],
        "action_results": [
            "PROMISE_TO_PAY",
            "WRONG_NUMBER",
            "DISPUTE",
            "DISPUTE_RESOLVED",
            "CEASE_COMMUNICATION",
        ],
        "segments": [],
        "customer_statuses": [],
        "case_states": [],
        "case_substates": [],
        "recovery_abilities": [],
    }
    results = [e for e in DEFAULTS["action_results"] if e["code"] != "LEFT_MESSAGE"]
    results.insert(1, {"code": "PART_PROMISE", "label": "Promises part of it"})
    types = [{"code": "CALL", "label": "Gọi điện"}, *DEFAULTS["action_types"][1:]]
    body = {"dictionaries": edited(action_results=results, action_types=types), "version": 0}
    saved = await client.put("/api/admin/dictionaries", json=body, headers=ADMIN)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["source"], saved.json()["version"], saved.json()["updated_by"]) == (
        "saved",
        1,
        "admin-user",
    )

    agent = token(Role.AGENT, world.agent)
    served = (await client.get("/api/dictionaries", headers=agent)).json()
    assert served["action_results"] == results and served["action_types"][0]["label"] == "Gọi điện"
    cif = world.customer("DICTADMIN")
    ok = await client.post("/api/actions", json=call(cif, calling_moment(), "PART_PROMISE"), headers=agent)
    gone = await client.post("/api/actions", json=call(cif, calling_moment(), "LEFT_MESSAGE"), headers=agent)
    assert (ok.status_code, gone.status_code) == (202, 422), (ok.text, gone.text)
    assert gone.json()["detail"][0]["msg"].startswith("unknown result code 'LEFT_MESSAGE'; allowed: PROMISE")

    async with api_client(api_settings) as another_worker:  # reads the saved version when it starts
        assert (await another_worker.get("/api/dictionaries", headers=agent)).json() == served
    with psycopg.connect(api_settings.database_url) as conn:
        who, details = conn.execute(
            "SELECT who, details FROM audit_log WHERE action = 'dictionaries.update' ORDER BY at DESC LIMIT 1"
        ).fetchone()
    assert (who, details["version"], details["action_results"]) == ("admin-user", 1, results)


async def test_a_save_based_on_an_older_version_is_refused_and_changes_nothing(client, nothing_saved):
    body = {"dictionaries": edited(segments=[{"code": "MASS", "label": "Mass"}]), "version": 0}
    assert (await client.put("/api/admin/dictionaries", json=body, headers=ADMIN)).status_code == 200
    late = {"dictionaries": edited(segments=[{"code": "SME", "label": "SME"}]), "version": 0}
    refused = await client.put("/api/admin/dictionaries", json=late, headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("the dictionaries were saved by admin-user at ")
    assert refused.json()["detail"].endswith(
        "since version 0 was read: they are at version 1; read them again and redo the change"
    )
    now = (await client.get("/api/admin/dictionaries", headers=ADMIN)).json()
    assert (now["version"], now["dictionaries"]["segments"]) == (1, [{"code": "MASS", "label": "Mass"}])


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        (
            {"action_results": [e for e in DEFAULTS["action_results"] if e["code"] != "CEASE_COMMUNICATION"]},
            "action_results",
            "CEASE_COMMUNICATION cannot be removed: the contact rules act on it (its label can change)",
        ),
        (
            {"action_types": [{"code": "VISIT", "label": "Visit"}]},
            "action_types",
            "CALL cannot be removed: calls count as attempts under the contact rules (its label can change)",
        ),
        (  # renamed, in effect: promises could no longer be recorded
            {
                "action_results": [
                    {"code": "PTP", "label": "Promise to pay"},
                    *(e for e in DEFAULTS["action_results"] if e["code"] != "PROMISE_TO_PAY"),
                ]
            },
            "action_results",
            "PROMISE_TO_PAY cannot be removed: a promise to pay is recorded only with it (its label can "
            "change)",
        ),
        (  # the notices a cease request still allows go by letter
            {"action_types": [e for e in DEFAULTS["action_types"] if e["code"] != "LETTER"]},
            "action_types",
            "LETTER cannot be removed: letters carry the notices a cease request still allows, and no "
            "contact rule applies to them (its label can change)",
        ),
        (
            {"action_subtypes": [{"code": "OUTBOUND", "label": "Outbound"}]},
            "action_subtypes",
            "INBOUND cannot be removed: the contact rules tell the customer's calls from ours by it (its "
            "label can change)",
        ),
        ({"segments": []}, "segments", "segments: expected a non-empty list of {code, label} objects"),
        (
            {"customer_statuses": [{"code": "ACTIVE", "label": "A"}, {"code": "ACTIVE", "label": "B"}]},
            "customer_statuses",
            "customer_statuses[1].code: ACTIVE appears twice",
        ),
        (  # LEGAL removed while the default substates still name it
            {"case_states": [e for e in DEFAULTS["case_states"] if e["code"] != "LEGAL"]},
            "case_substates",
            "case_substates[5].states: LEGAL is not a case state (substate DEMAND_LETTER_SENT)",
        ),
    ],
)
async def test_a_list_that_is_empty_repeats_a_code_or_loses_one_the_rules_need_is_422_at_it(
    client, nothing_saved, changes, where, message
):
    response = await client.put(
        "/api/admin/dictionaries", json={"dictionaries": edited(**changes), "version": 0}, headers=ADMIN
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["msg"]) == (["body", "dictionaries", where], message)
    assert (await client.get("/api/admin/dictionaries", headers=ADMIN)).json()["version"] == 0


async def test_an_admin_names_the_states_a_substate_goes_with_and_the_case_save_follows_them(
    client, nothing_saved, world
):
    substates = [
        {**e, "states": ["NEW"]} if e["code"] == "JUDGMENT" else e for e in DEFAULTS["case_substates"]
    ]
    substates.append({"code": "ANY_TIME", "label": "Any time"})  # no states: any state
    body = {"dictionaries": edited(case_substates=substates), "version": 0}
    saved = await client.put("/api/admin/dictionaries", json=body, headers=ADMIN)
    assert saved.status_code == 200, saved.text
    served = (await client.get("/api/dictionaries", headers=ADMIN)).json()["case_substates"]
    assert served[-2:] == [
        {"code": "JUDGMENT", "label": "Judgment obtained", "states": ["NEW"]},
        {"code": "ANY_TIME", "label": "Any time", "states": []},
    ]
    cif = world.customer("DICTSUBSTATE")
    agent = token(Role.AGENT, world.agent)
    case = {"state": "NEW", "substate": "JUDGMENT", "recovery_ability": None, "notes": "", "version": 0}
    assert (await client.put(f"/api/cases/{cif}", json=case, headers=agent)).status_code == 200
    refused = await client.put(
        f"/api/cases/{cif}", json={**case, "state": "LEGAL", "version": 1}, headers=agent
    )
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert (problem["loc"], problem["msg"]) == (
        ["body", "substate"],
        "substate JUDGMENT goes with the case states NEW, not LEGAL",
    )
    anytime = {**case, "state": "LEGAL", "substate": "ANY_TIME", "version": 1}
    assert (await client.put(f"/api/cases/{cif}", json=anytime, headers=agent)).status_code == 200


async def test_a_bad_code_is_refused_by_the_body_contract(client, nothing_saved):
    bad = edited(action_subtypes=[{"code": "out bound", "label": "Out"}])
    response = await client.put(
        "/api/admin/dictionaries", json={"dictionaries": bad, "version": 0}, headers=ADMIN
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:4] == ["body", "dictionaries", "action_subtypes", 0]


async def test_another_worker_follows_a_save_within_seconds(api_settings, nothing_saved, monkeypatch):
    monkeypatch.setattr(DictionaryBook, "TTL_S", 0.3)
    agent = token(Role.AGENT, "AG-1")
    async with api_client(api_settings) as one, api_client(api_settings) as other:
        assert (await other.get("/api/dictionaries", headers=agent)).json() == DEFAULTS  # now kept
        body = {"dictionaries": edited(customer_statuses=[{"code": "ACTIVE", "label": "Live"}]), "version": 0}
        assert (await one.put("/api/admin/dictionaries", json=body, headers=ADMIN)).status_code == 200
        assert (await one.get("/api/dictionaries", headers=agent)).json()["customer_statuses"][0][
            "label"
        ] == "Live"
        await asyncio.sleep(0.4)
        assert (await other.get("/api/dictionaries", headers=agent)).json()["customer_statuses"] == [
            {"code": "ACTIVE", "label": "Live"}
        ]


async def test_the_file_is_in_force_until_an_admin_saves(api_settings, nothing_saved, tmp_path):
    path = tmp_path / "dictionaries.json"
    path.write_bytes(orjson.dumps({"segments": [{"code": "RETAIL", "label": "Retail"}]}))
    async with api_client(api_settings.model_copy(update={"dictionaries_file": path})) as custom:
        read = (await custom.get("/api/admin/dictionaries", headers=ADMIN)).json()
        assert (read["source"], read["dictionaries"]["segments"]) == (
            "file",
            [{"code": "RETAIL", "label": "Retail"}],
        )
        body = {
            "dictionaries": read["dictionaries"] | {"segments": [{"code": "SME", "label": "SME"}]},
            "version": 0,
        }
        saved = await custom.put("/api/admin/dictionaries", json=body, headers=ADMIN)
        assert (saved.json()["source"], saved.json()["dictionaries"]["segments"][0]["code"]) == (
            "saved",
            "SME",
        )


async def test_only_admins_read_or_save_the_dictionaries(client, nothing_saved):
    for role in (Role.AGENT, Role.SUPERVISOR, Role.INTEGRATION):
        headers = token(role, "AG-1" if role is Role.AGENT else None)
        assert (await client.get("/api/admin/dictionaries", headers=headers)).status_code == 403
        body = {"dictionaries": DEFAULTS, "version": 0}
        assert (await client.put("/api/admin/dictionaries", json=body, headers=headers)).status_code == 403

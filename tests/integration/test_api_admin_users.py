"""Logins managed through the API by admins: create, change, deactivate, with audit and no password leak."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from contracts.admin import Role
from tests.api_client import token

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
ADMIN = token(Role.ADMIN)


async def log_in(client, username: str, password: str) -> int:
    response = await client.post("/api/auth/token", data={"username": username, "password": password})
    return response.status_code


async def test_create_change_and_deactivate_a_login(client, api_settings):
    name = f"lead-{uuid.uuid4().hex[:6]}"
    body = {"role": "supervisor", "team": "TEAM-A", "password": "first-password"}
    created = await client.put(f"/api/admin/users/{name}", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["team"] == "TEAM-A" and "password" not in created.text
    assert await log_in(client, name, "first-password") == 200

    changed = await client.put(f"/api/admin/users/{name}", json={"role": "supervisor"}, headers=ADMIN)
    assert changed.status_code == 200 and changed.json()["team"] is None  # the body is the whole login
    assert await log_in(client, name, "first-password") == 200  # no password: the old one stays

    await client.put(
        f"/api/admin/users/{name}", json={"role": "admin", "password": "second-pass"}, headers=ADMIN
    )
    assert await log_in(client, name, "first-password") == 401
    assert await log_in(client, name, "second-pass") == 200

    gone = await client.delete(f"/api/admin/users/{name}", headers=ADMIN)
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert await log_in(client, name, "second-pass") == 401
    listed = await client.get("/api/admin/users?role=admin", headers=ADMIN)
    assert name in [u["username"] for u in listed.json()]

    with psycopg.connect(api_settings.database_url) as conn:
        audit = conn.execute(
            "SELECT action, details::text FROM audit_log WHERE target = %s ORDER BY id", (f"user:{name}",)
        ).fetchall()
    assert [a for a, _ in audit] == ["user.add", "user.update", "user.update", "user.deactivate"]
    assert all("first-password" not in d and "second-pass" not in d for _, d in audit)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "agent", "password": "long-enough"}, "agent_id"),
        ({"role": "admin", "agent_id": "A-1", "password": "long-enough"}, "agent_id"),
        ({"role": "agent", "agent_id": "A-1", "team": "T", "password": "long-enough"}, "team"),
        ({"role": "admin"}, "password"),  # a new login needs one
        ({"role": "admin", "password": "short"}, "password"),
        ({"role": "overlord", "password": "long-enough"}, "role"),
    ],
)
async def test_bad_logins_are_422_at_their_field(client, body, field):
    response = await client.put(f"/api/admin/users/new-{uuid.uuid4().hex[:6]}", json=body, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


async def test_create_only_leaves_an_existing_login_as_it_is(client):
    name = f"clerk-{uuid.uuid4().hex[:6]}"
    create = {**ADMIN, "If-None-Match": "*"}
    body = {"role": "integration", "password": "first-password"}
    assert (await client.put(f"/api/admin/users/{name}", json=body, headers=create)).status_code == 201
    taken = {"role": "admin", "password": "second-password"}
    again = await client.put(f"/api/admin/users/{name}", json=taken, headers=create)
    assert again.status_code == 412 and again.json() == {"detail": f"login {name!r} already exists"}
    assert (await client.get(f"/api/admin/users/{name}", headers=ADMIN)).json()["role"] == "integration"
    assert await log_in(client, name, "first-password") == 200


async def test_an_agent_login_needs_an_existing_agent(client):
    body = {"role": "agent", "agent_id": f"NOPE{uuid.uuid4().hex[:6]}", "password": "long-enough"}
    response = await client.put(f"/api/admin/users/new-{uuid.uuid4().hex[:6]}", json=body, headers=ADMIN)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "agent_id" and "create the agent first" in error["msg"]


async def test_only_admins_and_never_against_themselves(client):
    for role in (Role.SUPERVISOR, Role.AGENT, Role.INTEGRATION):
        assert (await client.get("/api/admin/users", headers=token(role, "A-1"))).status_code == 403
    me = (await client.get("/api/auth/me", headers=ADMIN)).json()["username"]
    demote = await client.put(
        f"/api/admin/users/{me}", json={"role": "agent", "agent_id": "A"}, headers=ADMIN
    )
    assert demote.status_code == 422
    assert (await client.delete(f"/api/admin/users/{me}", headers=ADMIN)).status_code == 422
    assert (await client.get("/api/admin/users/nobody-here", headers=ADMIN)).status_code == 404


async def test_logins_are_found_by_a_part_of_their_username_or_agent_id(client):
    tag = uuid.uuid4().hex[:6]
    agent = {"name": "Kim", "team": "T", "type": "CALL", "capacity": 10}
    assert (await client.put(f"/api/admin/agents/AG-{tag}", json=agent, headers=ADMIN)).status_code == 201
    kim = await client.put(
        f"/api/admin/users/Kim-{tag}",
        json={"role": "agent", "agent_id": f"AG-{tag}", "password": "long-enough"},
        headers=ADMIN,
    )
    assert kim.status_code == 201, kim.text
    await client.put(
        f"/api/admin/users/lee-{tag}", json={"role": "admin", "password": "long-enough"}, headers=ADMIN
    )

    async def found(text: str) -> list[str]:
        listed = await client.get("/api/admin/users", params={"q": text}, headers=ADMIN)
        assert listed.status_code == 200, listed.text
        return [user["username"] for user in listed.json()]

    assert await found(tag.upper()) == [f"Kim-{tag}", f"lee-{tag}"]
    assert await found(f"ag-{tag}") == [f"Kim-{tag}"]  # by the agent the login works as
    assert await found(f"LEE-{tag}") == [f"lee-{tag}"]
    refused = await client.get("/api/admin/users", params={"q": ""}, headers=ADMIN)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "query.q"

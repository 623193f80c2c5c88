"""`crm user add` as a person runs it, then logging in with that login through the API."""

from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
import jwt
import psycopg
import pytest

from api.app import create_app
from tests.services import isolated_settings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
PASSWORD = "s3cret-enough"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def crm_user(env: dict[str, str], *args: str, password: str | None = PASSWORD, stdin: str | None = None):
    full_env = {k: v for k, v in env.items() if k != "CRM_NEW_PASSWORD"}
    if password is not None:
        full_env["CRM_NEW_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "crm", "user", "add", *args],
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def token_for(settings, username: str, password: str = PASSWORD) -> httpx.Response:
    app = create_app(settings.model_copy(update={"jwt_secret": "e2e-secret-" + "q" * 40}))
    transport = httpx.ASGITransport(app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        response = await client.post("/api/auth/token", data={"username": username, "password": password})
        if response.status_code == 200:
            token = response.json()["access_token"]
            me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert me.json()["username"] == username
        return response


async def test_add_an_admin_then_log_in(initialized, cli_env):
    name = f"boss-{uuid.uuid4().hex[:6]}"
    added = crm_user(cli_env, name, "--role", "admin")
    assert added.returncode == 0, added.stderr
    assert f"login {name} (admin) created" in added.stderr
    assert (await token_for(initialized, name)).status_code == 200
    assert (await token_for(initialized, name, "not-the-password")).status_code == 401
    with psycopg.connect(initialized.database_url) as conn:
        stored = conn.execute("SELECT password_hash FROM users WHERE username = %s", (name,)).fetchone()[0]
        audit = conn.execute("SELECT action FROM audit_log WHERE target = %s", (f"user:{name}",)).fetchall()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert audit == [("user.add",)]


async def test_an_agent_login_carries_its_agent_and_the_password_can_come_from_a_prompt(initialized, cli_env):
    name = f"agent-{uuid.uuid4().hex[:6]}"
    prompt = f"{PASSWORD}\n{PASSWORD}\n"
    added = crm_user(cli_env, name, "--role", "agent", "--agent-id", "A-9", password=None, stdin=prompt)
    assert added.returncode == 0, added.stderr
    response = await token_for(initialized, name)
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert (claims["role"], claims["agent_id"]) == ("agent", "A-9")


async def test_a_supervisor_login_carries_its_team(initialized, cli_env):
    name = f"lead-{uuid.uuid4().hex[:6]}"
    added = crm_user(cli_env, name, "--role", "supervisor", "--team", "TEAM-CALL-EARLY")
    assert added.returncode == 0, added.stderr
    response = await token_for(initialized, name)
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert (claims["role"], claims["team"]) == ("supervisor", "TEAM-CALL-EARLY")


def test_mistakes_are_one_line_errors(initialized, cli_env):
    name = f"dup-{uuid.uuid4().hex[:6]}"
    assert crm_user(cli_env, name, "--role", "supervisor").returncode == 0
    again = crm_user(cli_env, name, "--role", "supervisor")
    assert again.returncode == 2 and "already exists" in again.stderr
    cases = {
        ("--role", "agent"): "needs --agent-id",
        ("--role", "overlord"): "unknown role 'overlord'",
        ("--role", "admin", "--team", "T"): "--team is for supervisors",
    }
    for args, message in cases.items():
        result = crm_user(cli_env, f"x-{uuid.uuid4().hex[:6]}", *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    short = crm_user(cli_env, f"x-{uuid.uuid4().hex[:6]}", "--role", "admin", password="short")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    bad_name = crm_user(cli_env, "no spaces please", "--role", "admin")
    assert bad_name.returncode == 2 and "invalid username" in bad_name.stderr
    assert "Traceback" not in again.stderr + short.stderr + bad_name.stderr


async def test_update_replaces_the_password(initialized, cli_env):
    name = f"upd-{uuid.uuid4().hex[:6]}"
    assert crm_user(cli_env, name, "--role", "admin").returncode == 0
    updated = crm_user(cli_env, name, "--role", "supervisor", "--update", password="a-new-password")
    assert updated.returncode == 0, updated.stderr
    assert (await token_for(initialized, name)).status_code == 401
    assert (await token_for(initialized, name, "a-new-password")).status_code == 200
    missing = crm_user(cli_env, f"none-{uuid.uuid4().hex[:6]}", "--role", "admin", "--update")
    assert missing.returncode == 2 and "no login" in missing.stderr


def test_before_crm_init_it_says_to_run_init(service_addresses, run_id, cli_env):
    with isolated_settings(service_addresses, f"uninit_{run_id}", "uninit.") as empty:
        result = crm_user({**cli_env, "CRM_DATABASE_URL": empty.database_url}, "early", "--role", "admin")
    assert result.returncode == 2
    assert "run `crm init` first" in result.stderr and "Traceback" not in result.stderr

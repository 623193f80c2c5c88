"""Logging in and being authorised, against real PostgreSQL and Kafka: tokens (expiry, tampering, issuer,
audience), throttling, the role matrix of the admin endpoints, and the app's plumbing (errors as JSON,
request ids, body size limit, CORS)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import orjson
import psycopg
import pytest

from api.app import MAX_BODY_BYTES, create_app
from api.queries import users
from api.security import AUDIENCE, ISSUER, Principal, hash_password, issue_token
from api.services.auth import MAX_FAILURES
from contracts.admin import Role
from infra.migrate import load_migrations
from tests.api_client import SECRET

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def people(api_settings) -> dict[Role, str]:
    """One login per role (names unique to this run); password PASSWORD."""
    tag = uuid.uuid4().hex[:6]
    names = {role: f"{role.value}-{tag}" for role in Role}
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        for role, name in names.items():
            agent_id = "A-1" if role is Role.AGENT else None
            assert users.insert_user(conn, name, hash_password(PASSWORD), role, agent_id)
    return names


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/token", data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_user(settings, role: Role = Role.SUPERVISOR) -> str:
    name = f"u-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        users.insert_user(conn, name, hash_password(PASSWORD), role, None)
    return name


# --- logging in ---------------------------------------------------------------------------------------


async def test_login_issues_a_token_with_the_users_role_and_agent(client, people):
    response = await login(client, people[Role.AGENT])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], audience=AUDIENCE)
    assert claims["sub"] == people[Role.AGENT]
    assert (claims["role"], claims["agent_id"], claims["iss"]) == ("agent", "A-1", ISSUER)
    assert claims["exp"] - claims["iat"] == 900
    me = await client.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert me.json() == {"username": people[Role.AGENT], "role": "agent", "agent_id": "A-1", "team": None}


@pytest.mark.parametrize(
    "username, password",
    [("{admin}", "wrong password"), ("nobody-at-all", PASSWORD), ("{admin}", PASSWORD.upper())],
    ids=["wrong password", "unknown user", "password in the wrong case"],
)
async def test_bad_credentials_are_401_without_saying_which_part_was_wrong(
    client, people, username, password
):
    response = await login(client, username.format(admin=people[Role.ADMIN]), password)
    assert response.status_code == 401
    assert response.json() == {"detail": "incorrect username or password"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_deactivated_login_cannot_log_in(client, api_settings):
    name = add_user(api_settings)
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET active = false WHERE username = %s", (name,))
    assert (await login(client, name)).status_code == 401


async def test_missing_form_fields_are_422_naming_the_field(client):
    response = await client.post("/api/auth/token", data={"username": "someone"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["detail"]] == ["password"]


async def test_a_valid_token_is_renewed_with_the_login_as_stored_now_until_it_is_deactivated(
    client, api_settings
):
    name = add_user(api_settings, Role.SUPERVISOR)
    first = (await login(client, name)).json()["access_token"]
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET team = 'TEAM-B' WHERE username = %s", (name,))
    renewed = await client.post("/api/auth/refresh", headers=bearer(first))
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["expires_in"] == 900 and body["access_token"] != first
    me = await client.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert (me.json()["username"], me.json()["team"]) == (name, "TEAM-B")
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET active = false WHERE username = %s", (name,))
    refused = await client.post("/api/auth/refresh", headers=bearer(body["access_token"]))
    assert refused.status_code == 401 and "no longer active" in refused.json()["detail"]
    assert (await client.post("/api/auth/refresh")).status_code == 401
    expired = issue_token(
        SECRET, Principal(name, Role.SUPERVISOR, None), now=datetime.now(UTC) - timedelta(hours=1)
    )
    assert (await client.post("/api/auth/refresh", headers=bearer(expired))).status_code == 401


@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
@pytest.mark.parametrize("field", ["username", "password"])
async def test_nul_in_a_login_field_is_422_at_that_field(client, people, field, multipart):
    # PostgreSQL stores no NUL: the name reached the lookup and failed it with a 500
    form = {"username": people[Role.ADMIN], "password": PASSWORD} | {field: "adm\x00in"}
    if multipart:
        response = await client.post("/api/auth/token", files={k: (None, v) for k, v in form.items()})
    else:
        response = await client.post("/api/auth/token", data=form)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["detail"]] == [field]


async def test_throttling_after_repeated_failures_then_even_the_right_password_waits(client, api_settings):
    victim, bystander = add_user(api_settings), add_user(api_settings)
    for _ in range(MAX_FAILURES):
        assert (await login(client, victim, "guess")).status_code == 401
    locked = await login(client, victim)  # the right password, too late
    assert locked.status_code == 429
    retry_after = int(locked.headers["retry-after"])
    assert 800 < retry_after <= 900
    assert "try again in" in locked.json()["detail"]
    assert (await login(client, bystander)).status_code == 200  # per login, not global

    # The window slides: once the failures are older than 15 minutes the login works again.
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE login_failures SET failed_at = failed_at - interval '16 minutes' WHERE username = %s",
            (victim,),
        )
    assert (await login(client, victim)).status_code == 200


async def test_a_successful_login_clears_earlier_failures(client, api_settings):
    name = add_user(api_settings)
    for _ in range(MAX_FAILURES - 1):
        assert (await login(client, name, "guess")).status_code == 401
    assert (await login(client, name)).status_code == 200
    for _ in range(MAX_FAILURES - 1):
        assert (await login(client, name, "guess")).status_code == 401
    assert (await login(client, name)).status_code == 200


async def test_unknown_usernames_are_throttled_too(client):
    name = f"ghost-{uuid.uuid4().hex[:6]}"
    for _ in range(MAX_FAILURES):
        assert (await login(client, name, "guess")).status_code == 401
    assert (await login(client, name, "guess")).status_code == 429


# --- tokens ---------------------------------------------------------------------------------------------


def _admin_token(**changes) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "mallory",
        "role": "admin",
        "agent_id": None,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    secret = claims.pop("secret", SECRET)
    return jwt.encode({k: v for k, v in claims.items() if v is not ...}, secret, algorithm="HS256")


def _tampered(token: str) -> str:
    """The token with its payload rewritten to role admin, signature kept."""
    header, payload, signature = token.split(".")
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


async def test_a_valid_token_is_accepted(client):
    assert (await client.get("/api/admin/agents", headers=bearer(_admin_token()))).status_code == 200


@pytest.mark.parametrize(
    "token, reason",
    [
        (lambda: _admin_token(exp=datetime.now(UTC) - timedelta(seconds=5)), "expired"),
        (
            lambda: issue_token(
                SECRET, Principal("x", Role.ADMIN), now=datetime.now(UTC) - timedelta(hours=1)
            ),
            "expired",
        ),
        (lambda: _admin_token(aud="some-other-api"), "audience"),
        (lambda: _admin_token(iss="someone-else"), "issuer"),
        (lambda: _admin_token(secret="a-different-secret-" + "y" * 40), "signature"),
        (lambda: _admin_token(exp=...), "exp"),
        (lambda: _admin_token(role="root"), "role"),
        (lambda: _tampered(issue_token(SECRET, Principal("eve", Role.AGENT, "A-1"))), "signature"),
        (lambda: _unsigned(_admin_token()), "invalid token"),
        (lambda: "not-a-jwt", "invalid token"),
    ],
    ids=[
        "expired",
        "issued an hour ago",
        "wrong audience",
        "wrong issuer",
        "other secret",
        "no expiry",
        "unknown role",
        "payload tampered",
        "alg none",
        "garbage",
    ],
)
async def test_bad_tokens_are_401_with_the_reason(client, token, reason):
    response = await client.get("/api/admin/agents", headers=bearer(token()))
    assert response.status_code == 401
    assert reason in response.json()["detail"].lower()
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}]
)
async def test_no_bearer_token_is_401(client, headers):
    response = await client.get("/api/admin/strategies", headers=headers)
    assert response.status_code == 401
    assert "not authenticated" in response.json()["detail"]


# --- who may do what -------------------------------------------------------------------------------------

VALID_AGENT = {"name": "Matrix", "team": "T1", "type": "CALL", "capacity": 5}
# (method, path, body) of every admin endpoint, with what an admin gets when nothing exists yet (the body
# for writes is invalid on purpose: the matrix checks authorisation, the admin tests check writes).
ADMIN_ENDPOINTS = [
    ("PUT", "/api/admin/strategies/matrix-none", {"groups": "none"}, 422),
    ("POST", "/api/admin/strategies/matrix-none/reevaluate", None, 404),
    ("GET", "/api/admin/agents", None, 200),
    ("GET", "/api/admin/agents/matrix-none", None, 404),
    ("PUT", "/api/admin/agents/matrix-none", {**VALID_AGENT, "capacity": -1}, 422),
    ("DELETE", "/api/admin/agents/matrix-none", None, 404),
]


@pytest.mark.parametrize("method, path, body, admin_status", ADMIN_ENDPOINTS, ids=lambda v: str(v))
async def test_role_matrix_of_the_admin_endpoints(client, people, method, path, body, admin_status):
    tokens = {role: (await login(client, name)).json()["access_token"] for role, name in people.items()}
    expected = {Role.ADMIN: admin_status, **{role: 403 for role in Role if role is not Role.ADMIN}}
    for role, token in tokens.items():
        response = await client.request(method, path, json=body, headers=bearer(token))
        assert response.status_code == expected[role], (role, response.text)
        if expected[role] == 403:
            assert response.json() == {"detail": "this needs the admin role"}
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status_code == 401


# Supervisors read the strategies too (they configure campaigns with the admins); only admins change them.
STRATEGY_READS = [
    ("/api/admin/strategies", 200),
    ("/api/admin/strategies/matrix-none", 404),
    ("/api/admin/strategies/matrix-none/versions/1", 404),
]


@pytest.mark.parametrize("path, reader_status", STRATEGY_READS, ids=lambda v: str(v))
async def test_role_matrix_of_the_strategy_reads(client, people, path, reader_status):
    tokens = {role: (await login(client, name)).json()["access_token"] for role, name in people.items()}
    readers = (Role.ADMIN, Role.SUPERVISOR)
    for role, token in tokens.items():
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == (reader_status if role in readers else 403), (role, response.text)
        if role not in readers:
            assert response.json() == {"detail": "this needs the admin or supervisor role"}
    assert (await client.get(path)).status_code == 401


async def test_forbidden_writes_change_nothing(client, people, api_settings):
    token = (await login(client, people[Role.SUPERVISOR])).json()["access_token"]
    response = await client.put("/api/admin/agents/forbidden-1", json=VALID_AGENT, headers=bearer(token))
    assert response.status_code == 403
    with psycopg.connect(api_settings.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM agents WHERE agent_id = 'forbidden-1'").fetchone()[0] == 0


# --- the app's plumbing ----------------------------------------------------------------------------------


async def test_health_reports_every_dependency_with_latency(client):
    response = await client.get("/api/health")
    assert response.status_code == 200, response.text
    services = {s["name"]: s for s in response.json()["services"]}
    assert set(services) == {"postgresql", "kafka", "redis", "elasticsearch"}
    assert all(s["healthy"] and s["latency_ms"] >= 0 for s in services.values())
    assert response.json()["status"] == "ok"


async def test_a_schema_behind_the_code_makes_postgresql_unhealthy_naming_crm_init(client, api_settings):
    """An upgrade without `crm init`: the newest migration is not applied, so statements of this version
    would fail; health says so (503) instead of the first such request failing."""
    newest = load_migrations()[-1]
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        row = conn.execute("SELECT * FROM schema_migrations WHERE version = %s", (newest.version,)).fetchone()
        conn.execute("DELETE FROM schema_migrations WHERE version = %s", (newest.version,))
        try:
            behind = await client.get("/api/health")
        finally:
            conn.execute("INSERT INTO schema_migrations VALUES (%s, %s, %s, %s)", row)
    postgres = {s["name"]: s for s in behind.json()["services"]}["postgresql"]
    assert behind.status_code == 503 and not postgres["healthy"]
    expected = f"the schema is behind this version: {newest.stem} not applied; run `crm init`"
    assert postgres["detail"] == expected
    assert (await client.get("/api/health")).status_code == 200


async def test_unknown_paths_and_methods_answer_json(client):
    missing = await client.get("/api/nothing-here")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    wrong = await client.patch("/api/health")
    assert wrong.status_code == 405 and "detail" in wrong.json()
    assert wrong.headers["allow"] == "GET"
    # a path with a route per method: Allow names them all, not only the first route's (Starlette's)
    several = await client.patch("/api/admin/agents/AG-1")
    assert (several.status_code, several.headers["allow"]) == (405, "DELETE, GET, PUT")


async def test_request_ids_are_echoed_or_made(client):
    given = await client.get("/api/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/api/health", headers={"X-Request-ID": "not ok; " * 20})
    assert len(made.headers["x-request-id"]) == 32


async def test_an_unexpected_error_is_500_json_with_the_request_id_it_names(api_settings):
    app = create_app(api_settings)

    async def fails() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/fails", fails, methods=["POST"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as http:
        response = await http.post("/api/fails", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    assert response.json() == {"detail": "internal error (request id req-42)"}


async def test_bodies_over_the_limit_are_413_declared_or_streamed(client):
    big = b"x" * (MAX_BODY_BYTES + 1)
    declared = await client.put(
        "/api/admin/agents/a", content=big, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and "larger than" in declared.json()["detail"]

    async def chunks():
        for _ in range(3):
            yield b"x" * (MAX_BODY_BYTES // 2)

    streamed = await client.put(
        "/api/admin/agents/a",
        content=chunks(),
        headers={"Content-Type": "application/json", **bearer(_admin_token())},
    )
    assert streamed.status_code == 413


async def test_cors_lets_the_web_apps_dev_server_in_and_no_one_else(client):
    preflight = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"}
    allowed = await client.options(
        "/api/admin/agents/a", headers={"Origin": "http://localhost:5173", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    denied = await client.options(
        "/api/admin/agents/a", headers={"Origin": "http://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in denied.headers
    # the web app's queue re-read names the live event it follows
    queue = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-queue-event-id"}
    named = await client.options("/api/agents/a/queue", headers={"Origin": "http://localhost:5173", **queue})
    assert named.status_code == 200, named.text

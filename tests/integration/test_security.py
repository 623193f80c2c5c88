"""Security against the real services: no secret in any log line or error reply, hostile search text never
interpreted by Elasticsearch, and an oversized body refused before it can reach Kafka."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from api.app import MAX_BODY_BYTES
from api.queries import users
from api.queries.search import SearchRequest, build_query
from api.security import Principal, hash_password, issue_token
from api.visibility import Scope
from contracts.admin import Role
from tests.api_client import api_client, token
from tests.kafka_helpers import message_count
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
JWT_SECRET = "jwt-secret-under-test-" + uuid.uuid4().hex
LOGIN_PASSWORD = "login-pw-" + uuid.uuid4().hex[:12]
WRONG_DB_PASSWORD = "db-pw-" + uuid.uuid4().hex[:12]
ADMIN = token(Role.ADMIN)
INTEGRATION = token(Role.INTEGRATION)


def _with_password(database_url: str, password: str) -> str:
    parts = urlsplit(database_url)
    netloc = f"{parts.username or 'postgres'}:{password}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


def _percent_encoded(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode())


async def test_a_refusing_database_a_failed_login_and_a_bad_token_log_no_secret(initialized, captured_logs):
    buffer = captured_logs(True)
    settings = initialized.model_copy(
        update={
            "database_url": _with_password(initialized.database_url, WRONG_DB_PASSWORD),
            "jwt_secret": JWT_SECRET,
        }
    )
    async with api_client(settings) as http:
        login = await http.post("/api/auth/token", data={"username": "who", "password": LOGIN_PASSWORD})
        bad_token = await http.get("/api/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
        health = await http.get("/api/health")
    assert login.status_code == 503 and bad_token.status_code == 401
    assert health.status_code == 503
    [postgres] = [s for s in health.json()["services"] if s["name"] == "postgresql"]
    assert not postgres["healthy"]
    replies = login.text + bad_token.text + health.text
    written = buffer.getvalue()
    for secret in (WRONG_DB_PASSWORD, JWT_SECRET, LOGIN_PASSWORD):
        assert secret not in written and secret not in replies
    # the failures were logged: the check above read real lines
    assert "PostgreSQL unavailable" in written
    assert all(path in written for path in ("/api/auth/token", "/api/auth/me", "/api/health"))


async def test_a_working_database_a_login_and_a_bad_token_log_no_secret(initialized, captured_logs):
    """The database URL carries its password percent-encoded: the URL as configured must never show."""
    password = urlsplit(initialized.database_url).password
    if not password:
        pytest.skip("the database takes no password here")
    encoded = _percent_encoded(password)
    settings = initialized.model_copy(
        update={"database_url": _with_password(initialized.database_url, encoded), "jwt_secret": JWT_SECRET}
    )
    username = f"sec-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(initialized.database_url, autocommit=True) as conn:
        assert users.insert_user(conn, username, hash_password(LOGIN_PASSWORD), Role.SUPERVISOR, None)
    buffer = captured_logs(False)
    async with api_client(settings) as http:
        wrong = await http.post(
            "/api/auth/token", data={"username": username, "password": "wrong-" + "x" * 9}
        )
        right = await http.post("/api/auth/token", data={"username": username, "password": LOGIN_PASSWORD})
        forged = httpx.Headers({"Authorization": "Bearer " + right.json()["access_token"][:-4] + "AAAA"})
        bad_token = await http.get("/api/auth/me", headers=forged)
        health = await http.get("/api/health")
    assert (wrong.status_code, right.status_code, bad_token.status_code) == (401, 200, 401)
    [postgres] = [s for s in health.json()["services"] if s["name"] == "postgresql"]
    assert postgres["healthy"]
    written = buffer.getvalue()
    for secret in (encoded, JWT_SECRET, LOGIN_PASSWORD, right.json()["access_token"]):
        assert secret not in written
    assert all(path in written for path in ("/api/auth/token", "/api/auth/me", "/api/health"))


async def test_error_replies_name_the_service_without_its_password(initialized):
    settings = initialized.model_copy(
        update={
            "elasticsearch_url": f"http://elastic:{WRONG_DB_PASSWORD}@127.0.0.1:1",
            "jwt_secret": JWT_SECRET,
        }
    )
    async with api_client(settings) as http:
        search = await http.get("/api/search", params={"q": "x"}, headers=_signed_admin())
        health = await http.get("/api/health")
    assert search.status_code == 503
    assert search.json()["detail"].startswith("Elasticsearch (http://elastic:**********@127.0.0.1:1)")
    assert WRONG_DB_PASSWORD not in search.text + health.text


def _signed_admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(JWT_SECRET, Principal('sec-admin', Role.ADMIN))}"}


# --- search text is data, never query syntax -----------------------------------------------------------

HOSTILE = [
    "*",
    "*:*",
    "OR",
    "a OR b AND NOT c",
    '"',
    '"unbalanced',
    "\\",
    "\\\\*",
    "name:admin",
    "_id:1 || true",
    "(((",
    "/.*/",
    '{"query": {"match_all": {}}}',
    "~1 ^9 +-!&|",
    "x" * 100,
    "Nguyễn\u0000\u202e",
    "0912 345 678 OR *",
    "a@b@c",
]
# keys of the query DSL that give the text a meaning of its own (syntax, patterns, scripts)
INTERPRETING = {"query_string", "simple_query_string", "regexp", "wildcard", "fuzzy", "script", "match_all"}


def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | set().union(*(_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node))
    return set()


@pytest.mark.parametrize("q", HOSTILE)
def test_the_search_query_puts_the_text_in_terms_only(q):
    body = build_query(SearchRequest(q=q), Scope())
    assert _keys(body) & INTERPRETING == set()
    assert _keys(body["query"]) <= {
        "bool", "filter", "should", "minimum_should_match", "must", "constant_score", "boost",
        "term", "terms", "cif_key", "account_keys", "id_keys", "emails",
        "phone_digits", "phone_substrings", "name_words", "name_prefixes", "address_words",
    }  # fmt: skip


async def test_hostile_search_text_is_answered_200_or_422_never_500(initialized):
    async with api_client(initialized.model_copy(update={"jwt_secret": JWT_SECRET})) as http:
        for q in [*HOSTILE, "x" * 101, "x" * 10_000]:
            response = await http.get("/api/search", params={"q": q}, headers=_signed_admin())
            # a query Elasticsearch refused would be a 500; too long or NUL is the API's own 422
            assert response.status_code == (422 if len(q) > 100 or "\x00" in q else 200), (q, response.text)
        for params in [
            {"bucket": "* OR 1=1"},
            {"agent": "A1 OR *"},
            {"page_size": "1e9"},
            {"page": "-1"},
            {"q": "a", "page": 10**6},
        ]:
            response = await http.get("/api/search", params=params, headers=_signed_admin())
            assert response.status_code == 422, (params, response.text)


# --- size limits ---------------------------------------------------------------------------------------


@pytest.fixture
def loan(initialized) -> str:
    account = f"LN-SEC-{uuid.uuid4().hex[:6]}"
    with psycopg.connect(initialized.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO loans VALUES (%s, 'C-SEC', 'AUTO_LOAN', 'VND', 24000000, 18000000, '2025-01-10',"
            " '2027-01-10', 12.5, 24, 'OPEN', '{}', 'CORE', now())",
            (account,),
        )
    return account


def _payment(account: str) -> bytes:
    reference = f"REF-SEC-{uuid.uuid4().hex[:10]}"
    return (
        f'{{"reference_number": "{reference}", "account_number": "{account}", "amount": "1000", '
        '"currency": "VND", "paid_at": "2026-03-02T10:15:00+07:00", "method": "CASH", "status": "COMPLETED"}'
    ).encode()


async def test_a_valid_payment_over_the_size_limit_is_413_json_and_never_reaches_kafka(initialized, loan):
    topic = physical_name("payments", initialized)
    before = message_count(initialized.kafka_brokers, topic)
    settings = initialized.model_copy(update={"jwt_secret": JWT_SECRET})
    signed = {"Authorization": _signed_admin()["Authorization"], "Content-Type": "application/json"}
    padded = _payment(loan) + b" " * MAX_BODY_BYTES  # still valid JSON: only its size is wrong
    async with api_client(settings) as http:
        declared = await http.post("/api/payments", content=padded, headers=signed)

        async def streamed_body():
            yield padded[: len(padded) // 2]
            yield padded[len(padded) // 2 :]

        streamed = await http.post("/api/payments", content=streamed_body(), headers=signed)
        small = await http.post("/api/payments", content=_payment(loan), headers=signed)
    for refused in (declared, streamed):
        assert refused.status_code == 413 and refused.headers["content-type"] == "application/json"
        assert "larger than" in refused.json()["detail"]
    assert small.status_code == 202, small.text  # the same payment, small: accepted and produced
    assert message_count(initialized.kafka_brokers, topic) == before + 1

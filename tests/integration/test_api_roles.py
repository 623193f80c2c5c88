"""Every endpoint × every role: who may call what (interfaces.md's HTTP API table), with real services.

One customer C assigned to agent A-MX of team T-MX; the other agent, another team's supervisor and a
caller without a token are the interesting rows. Statuses only: the endpoints' own tests check bodies.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from contracts.admin import Role
from tests.api_client import SECRET, api_client, token

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

TAG = uuid.uuid4().hex[:6]
CIF, ACCOUNT, AGENT, TEAM = f"C-MX-{TAG}", f"L-MX-{TAG}", f"A-MX-{TAG}", f"T-MX-{TAG}"

CALLERS = {
    "agent": lambda: token(Role.AGENT, AGENT),
    "other agent": lambda: token(Role.AGENT, "A-NOT-HIS"),
    "supervisor": lambda: token(Role.SUPERVISOR, team=TEAM),
    "other team's supervisor": lambda: token(Role.SUPERVISOR, team="T-ELSEWHERE"),
    "admin": lambda: token(Role.ADMIN),
    "integration": lambda: token(Role.INTEGRATION),
    "nobody": lambda: {},
}


def action_body() -> dict:
    return {
        "action_id": f"ACT-{uuid.uuid4().hex[:12]}",
        "agent_id": AGENT,
        "cif": CIF,
        "type": "LETTER",  # not a call: no contact rule applies, so only the role decides
        "subtype": "OUTBOUND",
        "result": "LEFT_MESSAGE",
        "at": datetime.now(UTC).isoformat(),
    }


def payment_body() -> dict:
    return {
        "reference_number": f"REF-{uuid.uuid4().hex[:12]}",
        "account_number": ACCOUNT,
        "amount": "10.00",
        "currency": "USD",
        "paid_at": "2026-03-02T10:15:00+00:00",
        "method": "CASH",
        "status": "COMPLETED",
    }


# (method, path, body) → expected status per caller (same order as CALLERS).
MATRIX = {
    ("GET", "/api/auth/me", None): (200, 200, 200, 200, 200, 200, 401),
    ("GET", f"/api/loans/{ACCOUNT}", None): (200, 404, 200, 404, 200, 200, 401),
    ("GET", f"/api/customers/{CIF}", None): (200, 404, 200, 404, 200, 200, 401),
    ("GET", "/api/search?q=anything", None): (200, 200, 200, 200, 200, 200, 401),
    ("GET", f"/api/agents/{AGENT}/queue", None): (200, 403, 200, 403, 200, 403, 401),
    ("POST", "/api/actions", action_body): (202, 403, 202, 403, 403, 403, 401),
    ("POST", "/api/payments", payment_body): (403, 403, 403, 403, 202, 202, 401),
    ("GET", "/api/dashboard/portfolio", None): (403, 403, 200, 200, 200, 403, 401),
    ("GET", "/api/dictionaries", None): (200, 200, 200, 200, 200, 200, 401),
    ("GET", f"/api/cases/{CIF}", None): (200, 404, 200, 404, 200, 200, 401),
    ("GET", f"/api/contacts/{CIF}", None): (200, 404, 200, 404, 200, 200, 401),
    # an empty list on version 0 changes nothing, so every caller allowed meets the same answer
    ("PUT", f"/api/contacts/{CIF}", lambda: {"version": 0}): (200, 404, 200, 404, 403, 403, 401),
    ("GET", "/api/admin/strategies", None): (403, 403, 200, 200, 200, 403, 401),  # supervisors read
    ("GET", "/api/admin/agents", None): (403, 403, 403, 403, 200, 403, 401),
    ("GET", "/api/admin/teams", None): (403, 403, 403, 403, 200, 403, 401),
    ("GET", f"/api/assignments/options?cif={CIF}", None): (403, 403, 200, 404, 200, 403, 401),
    ("GET", f"/api/assignments/requests?cif={CIF}", None): (403, 403, 200, 404, 200, 403, 401),
    ("POST", "/api/assignments/rebalance", lambda: {"agent_id": AGENT, "count": 1}): (
        403,
        403,
        202,
        404,  # another team's agent: as if there were none
        202,
        403,
        401,
    ),
    ("GET", "/api/admin/strategy-tools/catalogue", None): (403, 403, 200, 200, 200, 403, 401),
    ("GET", "/api/admin/users", None): (403, 403, 403, 403, 200, 403, 401),
    ("GET", "/api/admin/dictionaries", None): (403, 403, 403, 403, 200, 403, 401),
    ("GET", "/api/admin/dlq", None): (403, 403, 403, 403, 200, 403, 401),
    ("GET", "/api/admin/dlq/payments.dlq", None): (403, 403, 403, 403, 200, 403, 401),
    ("POST", "/api/admin/dlq/payments.dlq/redrive", lambda: {"all": True, "dry_run": True}): (
        403,
        403,
        403,
        403,
        200,
        403,
        401,
    ),
}
CASES = [
    pytest.param(method, path, body, caller, expected, id=f"{method} {path.split('?')[0]} as {caller}")
    for (method, path, body), statuses in MATRIX.items()
    for caller, expected in zip(CALLERS, statuses, strict=True)
]


@pytest.fixture(scope="module")
def api_settings(initialized):
    settings = initialized.model_copy(update={"jwt_secret": SECRET})
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO customers (cif, type, name, segment, status, source_system, updated_at)"
            " VALUES (%s, 'INDIVIDUAL', 'Matrix Customer', 'MASS', 'ACTIVE', 'CORE', now())",
            (CIF,),
        )
        conn.execute(
            "INSERT INTO loans VALUES (%s, %s, 'AUTO_LOAN', 'USD', 1000, 800, '2025-01-10', '2027-01-10', 10,"
            " 24, 'OPEN', '{}', 'CORE', '2026-03-01T00:00:00Z')",
            (ACCOUNT, CIF),
        )
        conn.execute(
            "INSERT INTO loan_delinquency VALUES (%s, %s, 'USD', '2026-03-01', 20, '1-29', 100, 800,"
            " '2026-02-09', NULL, 1)",
            (ACCOUNT, CIF),
        )
        conn.execute(
            "INSERT INTO agent_assignments VALUES (%s, 'CALL', 1000001, %s, %s, 'C1', '2026-03-01', NULL,"
            " 'least loaded', 1)",
            (CIF, AGENT, TEAM),
        )
        conn.execute(
            "INSERT INTO agents VALUES (%s, %s, now(), 'test')",
            (
                AGENT,
                Jsonb({"agent_id": AGENT, "name": "Matrix", "team": TEAM, "type": "CALL", "capacity": 50}),
            ),
        )
    return settings


@pytest.mark.parametrize(("method", "path", "body", "caller", "expected"), CASES)
async def test_who_may_call_what(api_settings, method, path, body, caller, expected):
    async with api_client(api_settings) as client:
        response = await client.request(
            method, path, json=body() if body else None, headers=CALLERS[caller]()
        )
    assert response.status_code == expected, response.text
    assert response.headers["content-type"].startswith("application/json")
    if expected >= 400:
        assert "detail" in response.json()

"""The strategy editor's catalogue and preview, over a database of their own (counts see every customer)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import psycopg
import pytest

from contracts.admin import Role
from tests.api_client import SECRET, api_client, token
from tests.services import isolated_settings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="module")
def book(service_addresses, run_id):
    """150 customers: C000-C099 one AUTO_LOAN 40 days late (risk 0.8 when even), C100-C149 current
    PERSONAL_LOANs; C007 (an odd one) also broke a promise. The business date is 2026-03-20."""
    from infra.migrate import migrate

    with isolated_settings(service_addresses, f"preview_{run_id}", f"pv{run_id}.") as settings:
        migrate(settings.database_url)
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO customers SELECT 'C' || lpad(n::text, 3, '0'), 'INDIVIDUAL', 'Name ' || n, NULL,"
                " NULL, NULL, NULL, NULL, CASE WHEN n < 50 THEN 'VIP' ELSE 'MASS' END, 'ACTIVE', '[]', '[]',"
                " '[]', '[]', NULL, 'CORE', now() FROM generate_series(0, 149) n"
            )
            conn.execute(
                "INSERT INTO loans SELECT 'L' || lpad(n::text, 3, '0'), 'C' || lpad(n::text, 3, '0'),"
                " CASE WHEN n < 100 THEN 'AUTO_LOAN' ELSE 'PERSONAL_LOAN' END, 'USD', 1000, 800,"
                " '2025-01-10', '2027-01-10', 10, 24, 'OPEN',"
                ' CASE WHEN n % 2 = 0 THEN \'{"risk": "0.8"}\' ELSE \'{"risk": "0.2"}\' END::jsonb,'
                " 'CORE', now() FROM generate_series(0, 149) n"
            )
            conn.execute(  # rows written on 2026-03-01: 21 days late then; the book is at 2026-03-20 now
                "INSERT INTO loan_delinquency SELECT 'L' || lpad(n::text, 3, '0'),"
                " 'C' || lpad(n::text, 3, '0'), 'USD',"
                " CASE WHEN n < 100 THEN '2026-03-01'::date ELSE '2026-03-20'::date END,"
                " CASE WHEN n < 100 THEN 21 ELSE 0 END, CASE WHEN n < 100 THEN '1-29' ELSE 'CURRENT' END,"
                " CASE WHEN n < 100 THEN 100 ELSE 0 END, 800,"
                " CASE WHEN n < 100 THEN '2026-02-08'::date END, NULL, 1 FROM generate_series(0, 149) n"
            )
            conn.execute(
                "INSERT INTO customer_delinquency SELECT 'C' || lpad(n::text, 3, '0'), '2026-03-20', 0,"
                " 'CURRENT',"
                ' CASE WHEN n < 100 THEN \'{"USD": "100"}\' ELSE \'{"USD": "0"}\' END::jsonb,'
                ' \'{"USD": "800"}\', NULL, 1, 0, 1 FROM generate_series(0, 149) n'
            )
            conn.execute(
                "INSERT INTO promises VALUES ('P1', 'C007', NULL, 'A-1', '2026-03-01', '2026-03-05', 50,"
                " 'BROKEN', 0, '2026-03-20')"
            )
        yield settings.model_copy(update={"jwt_secret": SECRET})


@pytest.fixture
async def client(book) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(book) as http:
        yield http


def condition(field: str, operator: str, value=None) -> dict:
    return {"field": field, "operator": operator, "value": value}


def campaign(campaign_id: str, priority: int, *conditions: dict) -> dict:
    return {
        "id": campaign_id,
        "name": campaign_id.title(),
        "priority": priority,
        "conditions": list(conditions),
    }


async def preview(client, draft: dict, **params):
    """The admin's preview of ``draft``."""
    return await client.post(
        "/api/admin/strategy-tools/preview", json=draft, params=params, headers=token(Role.ADMIN)
    )


def calls_draft(*campaigns: dict) -> dict:
    """A draft of one group, `calls`, with these campaigns."""
    return {"groups": [{"id": "calls", "name": "Calls", "campaigns": list(campaigns)}]}


DRAFT = {
    "groups": [
        {
            "id": "collections",
            "name": "Collections",
            "campaigns": [
                {
                    "id": "broken",
                    "name": "Broke a promise",
                    "priority": 1,
                    "conditions": [condition("delinquency.broken_promises", ">=", 1)],
                },
                {
                    "id": "risky-auto",
                    "name": "Risky auto loans, 30+",
                    "priority": 2,
                    "conditions": [
                        condition("loan.product_type", "=", "AUTO_LOAN"),
                        condition("custom.risk", ">", "0.5"),
                        condition("delinquency.bucket", ">=", "30-59"),
                    ],
                },
            ],
        },
        {
            "id": "segments",
            "name": "Segments",
            "campaigns": [
                {
                    "id": "vip",
                    "name": "VIP",
                    "priority": 1,
                    "conditions": [condition("customer.segment", "=", "VIP")],
                }
            ],
        },
    ]
}


async def test_the_preview_counts_each_campaign_as_the_processor_would_match(client):
    response = await preview(client, DRAFT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["business_date"], body["population"], body["evaluated"], body["estimated"]) == (
        "2026-03-20",
        150,
        150,
        False,
    )
    collections, segments = body["groups"]
    # 40 days late as of 2026-03-20 (30-59), though the rows were written at 21 days: DPD is derived.
    assert [(c["campaign_id"], c["customers"]) for c in collections["campaigns"]] == [
        ("broken", 1),
        ("risky-auto", 50),
    ]
    assert collections["unmatched"] == 99
    assert (segments["campaigns"][0]["customers"], segments["unmatched"]) == (50, 100)


async def test_a_large_book_is_previewed_on_an_even_sample(client):
    response = await preview(client, DRAFT, sample=100)
    body = response.json()
    assert (body["evaluated"], body["estimated"]) == (100, True)
    vip = body["groups"][1]["campaigns"][0]["customers"]
    assert 20 <= vip <= 80 and vip + body["groups"][1]["unmatched"] in (149, 150, 151)


async def test_a_bad_draft_is_422_at_its_field_and_only_admins_may_preview(client):
    bad = {
        "groups": [
            {
                **DRAFT["groups"][1],
                "campaigns": [
                    {
                        **DRAFT["groups"][1]["campaigns"][0],
                        "conditions": [condition("customer.shoe_size", "=", 3)],
                    }
                ],
            }
        ]
    }
    response = await preview(client, bad)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "groups.0.campaigns.0.conditions.0.field"
    for role in (Role.SUPERVISOR, Role.AGENT):
        denied = await client.post(
            "/api/admin/strategy-tools/preview", json=DRAFT, headers=token(role, "A-1")
        )
        assert denied.status_code == 403


async def test_the_catalogue_lists_fields_operators_and_buckets(client):
    response = await client.get("/api/admin/strategy-tools/catalogue", headers=token(Role.ADMIN))
    body = response.json()
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["delinquency.max_dpd"]["type"] == "integer" and fields["loan.bucket"]["is_bucket"]
    assert fields["loan.product_type"]["choices"][0] == "AUTO_LOAN" and fields["loan.dpd"]["level"] == "loan"
    # segments and customer statuses are dictionaries too: the editor offers their codes
    assert {"MASS", "CORPORATE"} <= set(fields["customer.segment"]["choices"])
    assert "DORMANT" in fields["customer.status"]["choices"]
    assert "NOT IN" in body["operators"] and body["buckets"][0] == "CURRENT"
    # each field lists what it takes: no order on codes or true/false, LIKE on text
    assert (
        ">=" in fields["loan.bucket"]["operators"] and ">=" in fields["customer.date_of_birth"]["operators"]
    )
    assert (
        ">=" not in fields["customer.segment"]["operators"] and "IN" in fields["loan.currency"]["operators"]
    )
    assert "<" not in fields["delinquency.has_pending_promise"]["operators"]
    assert "LIKE" not in fields["delinquency.max_dpd"]["operators"]
    assert "LIKE" in fields["customer.cif"]["operators"] and ">" in fields["customer.cif"]["operators"]
    assert body["custom_prefix"] == "custom."


async def test_the_preview_reads_the_cases_agents_keep_and_the_catalogue_offers_their_codes(client, book):
    with psycopg.connect(book.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO cases SELECT 'C' || lpad(n::text, 3, '0'), CASE WHEN n < 10 THEN 'LEGAL' END, NULL,"
            " '', 1, now(), 'agent1' FROM generate_series(0, 19) n ON CONFLICT (cif) DO NOTHING"
        )
        try:
            draft = calls_draft(
                campaign("legal", 0, condition("case.state", "=", "LEGAL")),
                campaign("no-state", 1, condition("case.state", "IS NULL")),
            )
            response = await preview(client, draft)
        finally:
            conn.execute("DELETE FROM cases")
    assert response.status_code == 200, response.text
    [calls] = response.json()["groups"]
    # ten in LEGAL; ten with a case but no state and 130 without a case have none set
    assert [(c["campaign_id"], c["customers"]) for c in calls["campaigns"]] == [
        ("legal", 10),
        ("no-state", 140),
    ]
    catalogue = await client.get("/api/admin/strategy-tools/catalogue", headers=token(Role.SUPERVISOR))
    fields = {f["name"]: f for f in catalogue.json()["fields"]}
    assert "LEGAL" in fields["case.state"]["choices"] and fields["case.state"]["level"] == "customer"
    assert fields["case.recovery_ability"]["choices"] == ["HIGH", "MEDIUM", "LOW", "NONE"]
    assert fields["case.substate"]["choices"][:2] == ["AWAITING_CALLBACK", "AWAITING_DOCUMENTS"]


async def test_a_case_code_its_dictionary_lacks_is_422_at_the_value(client):
    """A case holds only codes of its dictionaries (the cases API refuses others): a condition naming
    another (a typo) could never match, so the preview, like Publish, says so instead of counting 0."""
    draft = calls_draft(
        campaign(
            "legal",
            0,
            condition("case.state", "IS NOT NULL"),
            condition("case.recovery_ability", "NOT IN", ["LOW", "NONE", "Nil"]),
        )
    )
    response = await preview(client, draft)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    # a LIKE pattern is no code: taken as it is
    pattern = calls_draft(campaign("legal", 0, condition("case.state", "LIKE", "LEG%")))
    assert (await preview(client, pattern)).status_code == 200
    assert error["field"] == "groups.0.campaigns.0.conditions.1.value"
    assert error["msg"] == (
        "case.recovery_ability has no code 'Nil' (dictionary recovery_abilities: HIGH, MEDIUM, LOW, NONE)"
    )


async def counts_with_actions(client, book, field: str, actions: list[tuple]) -> list[tuple[str, int]]:
    """The preview's counts of a campaign on the boolean ``field`` before a catch-all, with ``actions``
    ((cif, account, result, at, day)) in the actions table meanwhile."""
    with psycopg.connect(book.database_url, autocommit=True) as conn:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO actions (action_id, cif, account_number, agent_id, type, subtype, result, at,"
                " day) VALUES ('PV-' || %s, %s, %s, 'AG1', 'CALL', 'OUTBOUND', %s, %s, %s)",
                [
                    (n, cif, account, result, at, day)
                    for n, (cif, account, result, at, day) in enumerate(actions)
                ],
            )
        try:
            draft = calls_draft(campaign("taken", 0, condition(field, "=", True)), campaign("rest", 1))
            response = await preview(client, draft)
        finally:
            conn.execute("DELETE FROM actions WHERE action_id LIKE 'PV-%'")
    assert response.status_code == 200, response.text
    [calls] = response.json()["groups"]
    return [(c["campaign_id"], c["customers"]) for c in calls["campaigns"]]


async def test_the_preview_counts_the_customers_who_asked_to_cease_contact(client, book):
    now = datetime.now(UTC).isoformat()
    actions = [
        (f"C{n:03d}", None, "CEASE_COMMUNICATION" if n < 5 else "REFUSED", now, None) for n in range(10)
    ]
    counts = await counts_with_actions(client, book, "customer.cease_requested", actions)
    assert counts == [("taken", 5), ("rest", 145)]


async def test_the_preview_counts_the_customers_whose_dispute_is_open_on_the_business_date(client, book):
    """As the strategy processor folds them (`domain.disputes`), from the actions table, on 2026-03-20."""
    actions = [
        ("C000", "L000", "DISPUTE", "2026-03-01T10:00:00Z", "2026-03-01"),  # open: lapses 03-31
        ("C001", "L001", "DISPUTE", "2026-02-10T10:00:00Z", "2026-02-10"),  # lapsed on 03-12
        ("C002", "L002", "DISPUTE", "2026-03-05T10:00:00Z", "2026-03-05"),
        ("C002", None, "DISPUTE_RESOLVED", "2026-03-06T10:00:00Z", "2026-03-06"),  # every debt: closed
        ("C003", "L003", "DISPUTE", "2026-03-05T10:00:00Z", "2026-03-05"),
        ("C003", "L999", "DISPUTE_VERIFIED", "2026-03-06T10:00:00Z", "2026-03-06"),  # another loan: open
        # raised on the 18th in its own offset (the 19th in UTC): lapses on the 20th, by its own day
        ("C004", "L004", "DISPUTE", "2026-02-19T02:00:00Z", "2026-02-18"),
    ]
    counts = await counts_with_actions(client, book, "customer.dispute_open", actions)
    assert counts == [("taken", 2), ("rest", 148)]

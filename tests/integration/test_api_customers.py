"""`GET /api/customers/{cif}` over real PostgreSQL: the 360 view's contents, who may read it, the audit
trail, and that every query it runs can be answered from an index."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb
from pydantic import TypeAdapter

from api import fast_paths
from api.queries.customers import VIEW_POSITIONAL, customer_view, view_arguments
from api.security import Principal
from contracts import AgentAction
from contracts.admin import Role
from contracts.common import MoneyOut
from contracts.customer_view import InstallmentInView
from contracts.loans import Installment
from domain.buckets import bucket
from processors.common.routing import Routed
from processors.promises.sink import ACTION_ROWS, ACTIONS, action_rows
from sinks.postgres import upsert_rows
from tests.api_client import token

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def _action(action_id: str, cif: str, at: str, **fields) -> dict:
    """An action as the promises processor hands it to its sink (validated, as Python objects)."""
    body = {"action_id": action_id, "cif": cif, "agent_id": "AG-360", "type": "CALL", "subtype": "OUTBOUND"}
    return AgentAction.model_validate({**body, "result": "NO_ANSWER", "at": at, **fields}).model_dump()


@pytest.fixture(scope="module")
def customer(api_settings) -> dict:
    """A customer with two loans (one 45+ days late when written), collateral (one a guarantor's), 52
    payments (one reversed), actions, promises in every status, a campaign and an agent history."""
    tag = uuid.uuid4().hex[:6]
    cif, guarantor, late, current = f"C360-{tag}", f"G360-{tag}", f"L360-{tag}-A", f"L360-{tag}-B"
    phones = [
        {"type": "MOBILE", "number": "+84 90 111 2222", "is_primary": True, "is_verified": True},
        {"type": "WORK", "number": "+84 28 333 4444", "is_primary": False, "is_verified": False},
    ]
    emails = [{"type": "PERSONAL", "address": "an@example.com", "is_primary": True, "is_verified": False}]
    addresses = [{"type": "HOME", "line1": "1 Le Loi", "city": "Hue", "country": "VN", "is_primary": True}]
    references = [
        {
            "ref_cif": guarantor,
            "relationship": "GUARANTOR",
            "name": "Binh (as the bank wrote it)",
            "phones": [],
        },
        {
            "relationship": "SPOUSE",
            "name": "Chi",
            "phones": [{"type": "MOBILE", "number": "+84 91 000 0001"}],
        },
    ]
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        for who, name, contacts in ((cif, "Nguyen Van An", True), (guarantor, "Tran Thi Binh", False)):
            conn.execute(
                "INSERT INTO customers (cif, type, name, national_id, segment, status, phones, emails,"
                ' addresses, "references", timezone, source_system, updated_at)'
                " VALUES (%s, 'INDIVIDUAL', %s, '0790001', 'RETAIL', 'ACTIVE', %s, %s, %s, %s,"
                " 'Asia/Ho_Chi_Minh', 'T24', '2026-03-01T20:00:00+07:00')",
                (
                    who,
                    name,
                    Jsonb(phones if contacts else []),
                    Jsonb(emails if contacts else []),
                    Jsonb(addresses if contacts else []),
                    Jsonb(references if contacts else []),
                ),
            )
        for account in (late, current):
            conn.execute(
                "INSERT INTO loans VALUES (%s, %s, 'AUTO_LOAN', 'VND', 24000000, 18000000, '2025-01-10',"
                " '2027-01-10', 12.5, 24, 'OPEN', '{\"risk_score\": 0.7}', 'T24', '2026-03-01T00:00:00Z')",
                (account, cif),
            )
        conn.execute(
            "INSERT INTO installments VALUES (%s, '2026-01-15', 900000, 100000, 0, 0, 0),"
            " (%s, '2026-02-15', 900000, 100000, 0, 0, 0.50)",
            (late, late),
        )
        conn.execute(
            "INSERT INTO loan_delinquency VALUES (%s, %s, 'VND', '2026-03-01', 45, '30-59', 1999999.50,"
            " 18000000, '2026-01-15', '2026-03-16', 3), (%s, %s, 'VND', '2026-03-20', 0, 'CURRENT', 0,"
            " 17000000, NULL, NULL, 1)",
            (late, cif, current, cif),
        )
        conn.execute(
            "INSERT INTO customer_delinquency VALUES (%s, '2026-03-01', 45, '30-59', %s, %s, '2026-01-15',"
            " 2, 1, 4)",
            (cif, Jsonb({"VND": "1999999.50"}), Jsonb({"VND": "35000000"})),
        )
        conn.execute(
            "INSERT INTO collaterals VALUES (%s, %s, 'VEHICLE', 30000000, 'VND', '2025-01-05',"
            " '{\"plate\": \"75A-123.45\"}', 'T24', '2026-03-01T00:00:00Z'), (%s, %s, 'PROPERTY', 900000000,"
            " 'VND', '2024-06-01', '{}', 'T24', '2026-03-01T00:00:00Z')",
            (f"COL-{tag}-CAR", cif, f"COL-{tag}-HOUSE", guarantor),
        )
        conn.execute(
            "INSERT INTO collateral_loans VALUES (%s, %s), (%s, %s)",
            (f"COL-{tag}-CAR", late, f"COL-{tag}-HOUSE", current),
        )
        conn.execute(  # 50 small payments in January, then a payment and its reversal in March
            "INSERT INTO payments SELECT %s || n, %s, 1000, 'VND', '2026-01-01T09:00:00Z'::timestamptz"
            " + n * interval '1 hour', 'CASH', 'COMPLETED', NULL FROM generate_series(1, 50) n",
            (f"P-{tag}-OLD-", current),
        )
        conn.execute(
            "INSERT INTO payments VALUES (%s, %s, 500000, 'VND', '2026-03-02T09:00:00Z', 'CARD', 'COMPLETED',"
            " NULL), (%s, %s, 500000, 'VND', '2026-03-03T09:00:00Z', 'CARD', 'REVERSED', %s)",
            (f"P-{tag}-PAID", late, f"P-{tag}-UNDO", late, f"P-{tag}-PAID"),
        )
        actions = [
            _action(f"A-{tag}-1", cif, "2026-03-02T10:00:00+07:00", account_number=late),
            _action(
                f"A-{tag}-2",
                cif,
                "2026-03-04T10:00:00+07:00",
                account_number=late,
                result="PROMISE_TO_PAY",
                promise={"date": "2026-03-10", "amount": "750000.25"},
                contact={"channel": "PHONE", "number": "+84 90 111 2222"},
                notes="will pay after payday",
            ),
            _action(
                f"A-{tag}-3",
                cif,
                "2026-03-05T09:00:00+07:00",
                type="VISIT",
                result="CALLBACK",
                follow_up_date="2026-03-12",
                visit={"lat": 16.46, "lon": 107.59, "address": "1 Le Loi"},
            ),
        ]
        rows = [row for action in actions for row in action_rows(Routed(ACTION_ROWS, cif, action))]
        upsert_rows(conn, ACTIONS, rows)
        conn.execute(
            "INSERT INTO promises VALUES"
            " (%s, %s, %s, 'AG-360', '2026-02-01', '2026-02-10', 100, 'KEPT', 100,"
            " '2026-02-08', '2026-02-07'),"
            " (%s, %s, NULL, 'AG-360', '2026-02-15', '2026-02-20', 200, 'BROKEN', 50.5,"
            " '2026-02-24', '2026-02-24'),"
            " (%s, %s, %s, 'AG-360', '2026-03-04', '2026-03-10', 750000.25, 'PENDING', 0,"
            " '2026-03-04', NULL)",
            (f"PR-{tag}-1", cif, late, f"PR-{tag}-2", cif, f"A-{tag}-2", cif, late),
        )
        campaigns = [
            {
                "group_id": "early",
                "campaign_id": "CALL-30",
                "campaign_name": "30+ days",
                "reason": "delinquency.max_dpd >= 30",
                "matched_loan": late,
                "contacts": [
                    {
                        "channel": "PHONE",
                        "value": "+84 90 111 2222",
                        "type": "MOBILE",
                        "source": "CUSTOMER",
                        "rule": 0,
                    }
                ],
                "team": "T-360",
                "agent_type": "CALL",
                "required_skills": {"products": [], "buckets": [], "languages": []},
            }
        ]
        conn.execute(
            "INSERT INTO strategy_assignments VALUES (%s, 'default', 3, '2026-03-01', '{CALL-30}', %s, true)",
            (cif, Jsonb(campaigns)),
        )
        conn.execute(
            "INSERT INTO agent_assignments VALUES"
            " (%s, 'CALL', 1000001, 'AG-OLD', 'T-360', 'CALL-30', '2026-02-01', '2026-03-01', 'first', 2),"
            " (%s, 'CALL', 1000002, 'AG-360', 'T-360', 'CALL-30', '2026-03-01', NULL, 'rebalanced', 3),"
            " (%s, 'FIELD', 1000001, NULL, NULL, NULL, '2026-03-01', NULL, 'not needed', 3)",
            (cif, cif, cif),
        )
        today = conn.execute("SELECT max(business_date) FROM loan_delinquency").fetchone()[0]
    return {"cif": cif, "guarantor": guarantor, "late": late, "current": current, "tag": tag, "today": today}


async def test_the_360_view_shows_the_customer_contacts_references_loans_and_collateral(client, customer):
    response = await client.get(f"/api/customers/{customer['cif']}", headers=token(Role.SUPERVISOR))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["business_date"] == customer["today"].isoformat()
    assert body["customer"]["name"] == "Nguyen Van An" and body["customer"]["timezone"] == "Asia/Ho_Chi_Minh"
    phones = body["contacts"]["phones"]
    assert [(p["number"], p["is_primary"], p["is_verified"]) for p in phones] == [
        ("+84 90 111 2222", True, True),
        ("+84 28 333 4444", False, False),
    ]
    assert body["contacts"]["emails"][0]["address"] == "an@example.com"
    assert body["contacts"]["addresses"][0]["city"] == "Hue"
    guarantor, spouse = body["references"]
    assert (guarantor["ref_cif"], guarantor["customer_name"]) == (customer["guarantor"], "Tran Thi Binh")
    assert spouse["customer_name"] is None and spouse["phones"][0]["number"] == "+84 91 000 0001"

    late, current = body["loans"]
    days = (customer["today"] - date(2026, 1, 15)).days
    assert (late["account_number"], late["dpd"], late["bucket"]) == (customer["late"], days, bucket(days))
    assert late["overdue_amount"] == "1999999.50" and late["outstanding"] == "18000000"
    assert [i["due_date"] for i in late["installments"]] == ["2026-01-15", "2026-02-15"]
    assert late["installments"][1]["paid"] == "0.50" and late["interest_rate"] == "12.5"
    assert (
        late["collateral_numbers"] == [f"COL-{customer['tag']}-CAR"]
        and late["custom_fields"]["risk_score"] == 0.7
    )
    assert (current["dpd"], current["bucket"], current["installments"]) == (0, "CURRENT", [])
    car, house = body["collaterals"]
    assert (car["cif"], car["value"], car["details"], car["account_numbers"]) == (
        customer["cif"],
        "30000000",
        {"plate": "75A-123.45"},
        [customer["late"]],
    )
    assert house["cif"] == customer["guarantor"] and house["account_numbers"] == [customer["current"]]


async def test_delinquency_summary_is_derived_like_the_loans(client, customer):
    body = (await client.get(f"/api/customers/{customer['cif']}", headers=token(Role.ADMIN))).json()
    days = (customer["today"] - date(2026, 1, 15)).days
    summary = body["delinquency"]
    assert (summary["max_dpd"], summary["bucket"]) == (days, bucket(days))  # not the 45 stored on 2026-03-01
    assert (summary["overdue_total"], summary["outstanding_total"], summary["currency"]) == (
        "1999999.50",
        "35000000",
        "VND",
    )
    assert summary["by_currency"] == [{"currency": "VND", "overdue": "1999999.50", "outstanding": "35000000"}]
    assert (summary["loans"], summary["loans_delinquent"]) == (2, 1)
    loan = (await client.get(f"/api/loans/{customer['late']}", headers=token(Role.ADMIN))).json()
    assert loan["dpd"] == summary["max_dpd"] == body["loans"][0]["dpd"]


async def test_payments_newest_first_with_reversal_links_and_at_most_fifty(client, customer):
    body = (await client.get(f"/api/customers/{customer['cif']}", headers=token(Role.ADMIN))).json()
    payments, tag = body["payments"], customer["tag"]
    assert len(payments) == 50
    undo, paid = payments[0], payments[1]
    assert (undo["reference_number"], undo["status"], undo["reverses"]) == (
        f"P-{tag}-UNDO",
        "REVERSED",
        f"P-{tag}-PAID",
    )
    assert (paid["reference_number"], paid["reversed_by"], paid["amount"]) == (
        f"P-{tag}-PAID",
        f"P-{tag}-UNDO",
        "500000",
    )
    assert [p["reference_number"] for p in payments[2:4]] == [f"P-{tag}-OLD-50", f"P-{tag}-OLD-49"]
    assert payments[-1]["reference_number"] == f"P-{tag}-OLD-3"  # the two oldest fall off


async def test_actions_promises_strategy_and_assignment(client, customer):
    body = (await client.get(f"/api/customers/{customer['cif']}", headers=token(Role.ADMIN))).json()
    tag = customer["tag"]
    visit, promise_made, first = body["actions"]
    assert [visit["action_id"], promise_made["action_id"], first["action_id"]] == [
        f"A-{tag}-3",
        f"A-{tag}-2",
        f"A-{tag}-1",
    ]
    assert (
        visit["visit"] == {"lat": 16.46, "lon": 107.59, "address": "1 Le Loi"}
        and visit["follow_up_date"] == "2026-03-12"
    )
    assert promise_made["promise"] == {"date": "2026-03-10", "amount": "750000.25"}
    assert promise_made["contact"] == {"channel": "PHONE", "number": "+84 90 111 2222"}
    assert (
        promise_made["at"].startswith("2026-03-04T03:00:00")
        and promise_made["notes"] == "will pay after payday"
    )

    statuses = {
        p["action_id"]: (p["status"], p["amount"], p["paid_amount"], p["date"], p["settled_on"])
        for p in body["promises"]
    }
    assert statuses == {
        f"A-{tag}-2": ("PENDING", "750000.25", "0", "2026-03-10", None),
        f"PR-{tag}-2": ("BROKEN", "200", "50.5", "2026-02-20", "2026-02-24"),
        f"PR-{tag}-1": ("KEPT", "100", "100", "2026-02-10", "2026-02-07"),  # the day the rules kept it
    }
    assert [p["action_id"] for p in body["promises"]][0] == f"A-{tag}-2"  # newest first

    strategy = body["strategy"]
    assert (strategy["strategy_version"], strategy["delinquent"]) == (3, True)
    assert (
        strategy["campaigns"][0]["campaign_id"] == "CALL-30"
        and strategy["campaigns"][0]["contacts"][0]["rule"] == 0
    )
    current = {p["agent_type"]: p["agent_id"] for p in body["assignment"]["current"]}
    assert current == {"CALL": "AG-360", "FIELD": None}
    history = [(p["agent_type"], p["agent_id"], p["valid_to"]) for p in body["assignment"]["history"]]
    assert history == [("CALL", "AG-360", None), ("FIELD", None, None), ("CALL", "AG-OLD", "2026-03-01")]


async def test_agents_read_only_their_customers_and_others_cannot_tell_they_exist(client, customer):
    url = f"/api/customers/{customer['cif']}"
    assert (await client.get(url, headers=token(Role.AGENT, "AG-360"))).status_code == 200
    previous = await client.get(url, headers=token(Role.AGENT, "AG-OLD"))  # assigned before, not now
    missing = await client.get("/api/customers/NO-SUCH", headers=token(Role.AGENT, "AG-OLD"))
    assert previous.status_code == missing.status_code == 404
    assert previous.json()["detail"].startswith("no customer") and missing.json()["detail"].startswith(
        "no customer"
    )
    assert (await client.get(url)).status_code == 401


async def test_team_supervisors_read_their_teams_customers(client, customer):
    url = f"/api/customers/{customer['cif']}"
    own = await client.get(url, headers=token(Role.SUPERVISOR, team="T-360"))
    other = await client.get(url, headers=token(Role.SUPERVISOR, team="T-OTHER"))
    assert (own.status_code, other.status_code) == (200, 404)


async def test_each_successful_read_is_audited_and_a_refused_one_is_not(client, customer, api_settings):
    target = f"customer:{customer['cif']}"

    def audit_rows() -> list[tuple]:
        with psycopg.connect(api_settings.database_url) as conn:
            return conn.execute(
                "SELECT who, action, details, at FROM audit_log WHERE target = %s ORDER BY id", (target,)
            ).fetchall()

    before = len(audit_rows())
    started = datetime.now(UTC)
    assert (
        await client.get(f"/api/customers/{customer['cif']}", headers=token(Role.AGENT, "AG-360"))
    ).status_code == 200
    assert (
        await client.get(f"/api/customers/{customer['cif']}", headers=token(Role.AGENT, "AG-X"))
    ).status_code == 404
    rows = audit_rows()
    assert len(rows) == before + 1
    who, action, details, at = rows[-1]
    assert (who, action) == ("agent-user", "customer.view") and at >= started.replace(microsecond=0)
    assert details == {"role": "agent", "agent_id": "AG-360", "loans": 2}


@pytest.mark.parametrize(
    "user",
    [
        Principal("admin", Role.ADMIN),
        Principal("a", Role.AGENT, "AG-360"),
        Principal("s", Role.SUPERVISOR, team="T"),
    ],
    ids=["everything", "agent", "team"],
)
def test_every_part_of_the_view_can_be_answered_from_an_index(api_settings, customer, user):
    """With sequential scans priced out, a plan that still scans a table has no index to use."""
    with psycopg.connect(api_settings.database_url) as conn:
        conn.execute("SET enable_seqscan = off")
        cursor = psycopg.RawCursor(conn).execute(
            f"EXPLAIN {VIEW_POSITIONAL}", view_arguments(user, customer["cif"])
        )
        plan = "\n".join(row[0] for row in cursor)
        assert "Seq Scan" not in plan, plan


async def test_the_view_is_prepared_on_the_server_after_a_few_reads(api_settings, customer):
    """The statement goes through a raw cursor (psycopg would parse it on every read, being over its 4 KiB
    cache): repeated reads still get PostgreSQL's prepared plan, and give the same view each time."""
    user = Principal("admin", Role.ADMIN)
    async with await psycopg.AsyncConnection.connect(api_settings.database_url, autocommit=True) as conn:
        views = [await customer_view(conn, user, customer["cif"]) for _ in range(6)]
        cursor = await conn.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in await cursor.fetchall()]
    assert views[0] is not None and all(view == views[0] for view in views)
    assert VIEW_POSITIONAL in prepared


MONEY_OUT = TypeAdapter(MoneyOut)
# What Money accepts, at the scales a bank may send it: 1E+3 (normalized), 1.50000 (trailing zeros)
STORED_MONEY = st.builds(
    lambda amount, places, normalized: amount.normalize()
    if normalized
    else amount.quantize(Decimal(1).scaleb(-places), ROUND_DOWN),
    st.decimals(min_value=0, max_value=Decimal("9999999999999999.9999"), places=4),
    st.integers(0, 8),
    st.booleans(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(STORED_MONEY, min_size=1, max_size=20))
def test_installment_amounts_pass_through_as_the_text_moneyout_writes(api_settings, amounts):
    """The view passes each installment's amounts on as PostgreSQL's ``numeric::text`` (InstallmentInView),
    not as decimals: the same bytes MoneyOut would write for the stored value."""
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        texts = conn.execute(
            "SELECT array_agg(x::text ORDER BY n) FROM unnest(%s::numeric[]) WITH ORDINALITY AS t(x, n)",
            [amounts],
        ).fetchone()[0]
    for text in texts:
        assert MONEY_OUT.dump_json(Decimal(text)).decode() == f'"{text}"'
        installment = {
            "due_date": "2026-01-15",
            **dict.fromkeys(("principal", "interest", "fees", "penalty", "paid"), text),
        }
        assert (
            InstallmentInView.model_validate(installment).model_dump_json()
            == Installment.model_validate(installment).model_dump_json()
        )


@pytest.fixture
def fast_path_views(monkeypatch) -> list[str]:
    """The customers whose view the fast path (api.fast_paths) read, in order."""
    read = []
    real = fast_paths.customer_view_json

    async def noting(pool, user, cif):
        read.append(cif)
        return await real(pool, user, cif)

    monkeypatch.setattr(fast_paths, "customer_view_json", noting)
    return read


@pytest.mark.parametrize(
    ("role", "agent_id", "team"),
    [(Role.AGENT, "AG-360", None), (Role.ADMIN, None, None), (Role.SUPERVISOR, None, "T-360")],
)
async def test_the_fast_path_answers_byte_for_byte_as_the_route(
    client, customer, fast_path_views, role, agent_id, team
):
    headers = token(role, agent_id, team=team)
    fast = await client.get(f"/api/customers/{customer['cif']}", headers=headers)
    # a parameter the route ignores and the fast path does not take: the route answers
    routed = await client.get(f"/api/customers/{customer['cif']}?via=route", headers=headers)
    assert fast_path_views == [customer["cif"]]
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert fast.headers["x-request-id"]  # the middleware around it still applies


async def test_what_the_fast_path_cannot_see_the_route_refuses(client, customer, fast_path_views):
    url = f"/api/customers/{customer['cif']}"
    other = await client.get(url, headers=token(Role.AGENT, "AG-OLD"))
    anonymous = await client.get(url)
    assert (other.status_code, anonymous.status_code) == (404, 401)
    assert other.json()["detail"] == f"no customer {customer['cif']!r}"
    assert fast_path_views == [customer["cif"]]  # tried for the agent; no token goes straight to the route


async def test_an_agent_login_without_an_agent_id_sees_no_customer(client, customer):
    """Such a login (`crm user add NAME --role agent` without --agent-id) is 404 everywhere, never a failure:
    the value standing for "no agent" once held a NUL byte, which PostgreSQL refuses as a parameter."""
    nobody = token(Role.AGENT)
    view = await client.get(f"/api/customers/{customer['cif']}", headers=nobody)
    assert (view.status_code, view.json()["detail"]) == (404, f"no customer {customer['cif']!r}")
    assert (await client.get(f"/api/loans/{customer['late']}", headers=nobody)).status_code == 404
    assert (
        await client.get(f"/api/customers/{customer['cif']}", headers=token(Role.ADMIN))
    ).status_code == 200


async def test_numbers_reported_wrong_and_not_reached_since_are_listed_once_each_however_old(
    client, api_settings
):
    """A WRONG_NUMBER stops campaigns selecting the number until a later call on it reaches the customer, so
    the view lists each number or address reported wrong and not reached since (the latest report of each,
    matched by digits as the strategy matches flags), even one whose report fell out of the last 100
    actions."""
    cif = f"CWRONG-{uuid.uuid4().hex[:6]}"

    def act(n: str, at: str, result: str, number: str | None, channel: str = "PHONE", **more) -> dict:
        contact = {"channel": channel, "number": number} if number else None
        return _action(f"{cif}-{n}", cif, at, result=result, contact=contact, **more)

    actions = [
        act("1", "2026-03-02T09:00:00Z", "WRONG_NUMBER", "+84 90 111 2222"),
        act("2", "2026-03-03T09:00:00Z", "WRONG_NUMBER", "An@Example.com", "EMAIL"),
        act("2r", "2026-03-01T09:00:00Z", "CALLBACK", "an@example.com", "EMAIL"),  # before the report
        act("3", "2026-03-04T09:00:00Z", "WRONG_NUMBER", "84901112222", agent_id="AG-LATER"),
        act("3r", "2026-03-04T09:00:00Z", "CALLBACK", "+84 90 111 2222"),  # the same moment: it stands
        act("4", "2026-03-05T09:00:00Z", "WRONG_NUMBER", "+84 28 333 4444"),
        act(
            "4r",
            "2026-03-05T09:30:00Z",
            "PROMISE_TO_PAY",
            "+84 (28) 333-4444",
            promise={"date": "2026-03-20", "amount": "100"},
        ),  # reached after the report: right after all
        act("5", "2026-03-05T10:00:00Z", "WRONG_NUMBER", None),  # names no number: flags nothing
        act("6", "2026-03-05T11:00:00Z", "NO_ANSWER", "+84 24 000 0001"),
        *(
            act(f"later-{n:03}", f"2026-03-06T09:{n // 60:02}:{n % 60:02}Z", "NO_ANSWER", None)
            for n in range(100)
        ),
    ]
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO customers (cif, type, name, national_id, segment, status, phones, emails,"
            " addresses, \"references\", timezone, source_system, updated_at) VALUES (%s, 'INDIVIDUAL',"
            " 'Wrong Numbers', '0790010', 'RETAIL', 'ACTIVE', '[]', '[]', '[]', '[]', 'Asia/Ho_Chi_Minh',"
            " 'CORE', '2026-03-01T00:00:00Z')",
            (cif,),
        )
        rows = [row for action in actions for row in action_rows(Routed(ACTION_ROWS, cif, action))]
        upsert_rows(conn, ACTIONS, rows)
    body = (await client.get(f"/api/customers/{cif}", headers=token(Role.ADMIN))).json()
    assert len(body["actions"]) == 100 and f"{cif}-3" not in [a["action_id"] for a in body["actions"]]
    assert body["reported_wrong"] == [
        {
            "contact": "84901112222",
            "channel": "PHONE",
            "at": "2026-03-04T09:00:00Z",
            "agent_id": "AG-LATER",
            "action_id": f"{cif}-3",
        },
        {
            "contact": "An@Example.com",
            "channel": "EMAIL",
            "at": "2026-03-03T09:00:00Z",
            "agent_id": "AG-360",
            "action_id": f"{cif}-2",
        },
    ]

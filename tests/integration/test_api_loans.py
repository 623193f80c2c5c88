"""`GET /api/loans/{account}` over real PostgreSQL: figures as of the latest business date, and visibility."""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest

from contracts.admin import Role
from domain.buckets import bucket
from tests.api_client import token

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="module")
def loan(api_settings) -> tuple[str, str]:
    """A loan 45 days late on its last written row, whose book has since reached a later business date."""
    tag = uuid.uuid4().hex[:6]
    account, cif, other = f"LN-{tag}", f"C-{tag}", f"LN-{tag}-OTHER"
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        for number in (account, other):
            conn.execute(
                "INSERT INTO loans VALUES (%s, %s, 'AUTO_LOAN', 'VND', 24000000, 18000000, '2025-01-10',"
                " '2027-01-10', 12.5, 24, 'OPEN', '{}', 'CORE', '2026-03-01T00:00:00Z')",
                (number, cif),
            )
        conn.execute(
            "INSERT INTO installments VALUES (%s, '2026-01-15', 900000, 100000, 0, 0, 0),"
            " (%s, '2026-02-15', 900000, 100000, 0, 0, 0)",
            (account, account),
        )
        conn.execute(
            "INSERT INTO loan_delinquency VALUES (%s, %s, 'VND', '2026-03-01', 45, '30-59', 2000000.50,"
            " 18000000, '2026-01-15', '2026-03-16', 3)",
            (account, cif),
        )
        conn.execute(  # another loan's row: the book is at 2026-03-20 now
            "INSERT INTO loan_delinquency VALUES"
            " (%s, %s, 'VND', '2026-03-20', 0, 'CURRENT', 0, 1, NULL, NULL, 1)",
            (other, cif),
        )
        conn.execute(
            "INSERT INTO agent_assignments VALUES (%s, 'CALL', 1000001, 'AG-OWN', 'T', 'C1', '2026-03-01',"
            " NULL, 'least loaded', 1)",
            (cif,),
        )
    return account, cif


async def test_a_loan_with_dpd_as_of_the_latest_business_date(client, loan, api_settings):
    account, cif = loan
    with psycopg.connect(api_settings.database_url) as conn:  # 2026-03-20 unless another test went later
        today = conn.execute("SELECT max(business_date) FROM loan_delinquency").fetchone()[0]
    response = await client.get(f"/api/loans/{account}", headers=token(Role.SUPERVISOR))
    assert response.status_code == 200, response.text
    body = response.json()
    late = (today - date(2026, 1, 15)).days
    assert today >= date(2026, 3, 20) and (body["cif"], body["dpd"]) == (cif, late)
    assert body["bucket"] == bucket(late) and (late >= 90 or body["bucket"] == "60-89")
    assert body["overdue_amount"] == "2000000.50" and body["outstanding"] == "18000000"
    assert [i["due_date"] for i in body["installments"]] == ["2026-01-15", "2026-02-15"]


async def test_agents_see_only_their_customers_loans_and_others_do_not_learn_they_exist(client, loan):
    account, _ = loan
    assert (await client.get(f"/api/loans/{account}", headers=token(Role.AGENT, "AG-OWN"))).status_code == 200
    hidden = await client.get(f"/api/loans/{account}", headers=token(Role.AGENT, "AG-OTHER"))
    missing = await client.get("/api/loans/NO-SUCH", headers=token(Role.AGENT, "AG-OTHER"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].startswith("no loan") and missing.json()["detail"].startswith("no loan")
    assert (await client.get(f"/api/loans/{account}")).status_code == 401


async def test_supervisors_see_their_teams_customers_and_heads_of_collections_see_all(client, loan):
    account, _ = loan
    own_team = await client.get(f"/api/loans/{account}", headers=token(Role.SUPERVISOR, team="T"))
    other_team = await client.get(f"/api/loans/{account}", headers=token(Role.SUPERVISOR, team="T-OTHER"))
    every_team = await client.get(f"/api/loans/{account}", headers=token(Role.SUPERVISOR))
    assert (own_team.status_code, other_team.status_code, every_team.status_code) == (200, 404, 200)


async def test_a_bank_id_with_a_slash_is_reachable_encoded(client, api_settings):
    """The contracts allow "/" in account numbers and cifs (core systems write "001/2345"): sent as %2F."""
    tag = uuid.uuid4().hex[:6]
    account, cif = f"LN/{tag}/01", f"C/{tag}"
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO loans VALUES (%s, %s, 'AUTO_LOAN', 'VND', 24000000, 18000000, '2025-01-10',"
            " '2027-01-10', 12.5, 24, 'OPEN', '{}', 'CORE', '2026-03-01T00:00:00Z')",
            (account, cif),
        )
        conn.execute(
            "INSERT INTO customers (cif, type, name, national_id, segment, status, phones, emails,"
            " addresses, \"references\", timezone, source_system, updated_at) VALUES (%s, 'INDIVIDUAL',"
            " 'Slash Test', '0790009', 'RETAIL', 'ACTIVE', '[]', '[]', '[]', '[]', 'Asia/Ho_Chi_Minh',"
            " 'CORE', '2026-03-01T00:00:00Z')",
            (cif,),
        )
    headers = token(Role.SUPERVISOR)
    loan = await client.get(f"/api/loans/LN%2F{tag}%2F01", headers=headers)
    assert loan.status_code == 200, loan.text
    assert (loan.json()["account_number"], loan.json()["cif"]) == (account, cif)
    customer = await client.get(f"/api/customers/C%2F{tag}", headers=headers)
    assert customer.status_code == 200, customer.text
    assert customer.json()["customer"]["cif"] == cif
    assert [one["account_number"] for one in customer.json()["loans"]] == [account]
    missing = await client.get(f"/api/loans/LN%2F{tag}%2F02", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"] == f"no loan 'LN/{tag}/02'"

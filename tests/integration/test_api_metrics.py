"""`GET /metrics`: request counts and latency per route template, and only for the monitoring networks."""

from __future__ import annotations

import time

import anyio
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts.admin import Role
from tests.api_client import api_client, token

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_requests_are_counted_and_timed_per_route_template(api_settings):
    async with api_client(api_settings) as client:  # the in-process client comes from 127.0.0.1
        for account in ("NO-SUCH-1", "NO-SUCH-2"):
            response = await client.get(f"/api/loans/{account}", headers=token(Role.ADMIN))
            assert response.status_code == 404
        assert (await client.get("/api/loans/NO-SUCH-3")).status_code == 401
        assert (await client.get("/api/nothing/here")).status_code == 404
        response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    loans = "/api/loans/{account_number}"

    def requests(route: str, status: str) -> float:
        labels = (("method", "GET"), ("route", route), ("status", status))
        return found.get(("crm_api_requests_total", labels), 0.0)

    assert requests(loans, "404") == 2 and requests(loans, "401") == 1
    assert requests("<unmatched>", "404") == 1
    timed = (("method", "GET"), ("route", loans))
    assert found[("crm_api_request_duration_seconds_count", timed)] == 3
    assert found[("crm_api_request_duration_seconds_bucket", (("le", "+Inf"), *timed))] == 3
    assert found[("crm_api_request_duration_seconds_sum", timed)] > 0
    assert not any("NO-SUCH" in str(labels) for _name, labels in found)  # never the raw path
    assert found[("crm_api_sse_clients", ())] == 0


async def test_each_app_counts_its_own_requests(api_settings):
    async with api_client(api_settings) as client:
        found = samples((await client.get("/metrics")).text)
    loans = (("method", "GET"), ("route", "/api/loans/{account_number}"), ("status", "404"))
    assert ("crm_api_requests_total", loans) not in found  # a fresh registry, not the previous test's


async def test_clients_outside_the_monitoring_networks_get_403(api_settings):
    elsewhere = api_settings.model_copy(update={"metrics_networks": "10.0.0.0/8"})
    async with api_client(elsewhere) as client:
        refused = await client.get("/metrics")
    assert refused.status_code == 403 and "monitoring networks" in refused.json()["detail"]


async def test_portfolio_and_agent_gauges_come_from_the_dashboard_aggregates(api_settings):
    import psycopg
    from psycopg.types.json import Jsonb

    agent = {
        "agent_id": "AG-METRICS",
        "name": "M",
        "team": "T-M",
        "type": "CALL",
        "capacity": 8,
        "active": True,
    }
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO loan_delinquency VALUES ('LN-METRICS', 'C-M', 'XTS', '2000-01-31', 40, '30-59', "
            "150.50, 1000, '1999-12-22', NULL, 1)"
        )
        conn.execute("INSERT INTO agents VALUES ('AG-METRICS', %s, now(), 'test')", (Jsonb(agent),))
        # a promise taken by the agent on the business date (whichever date the shared schema has reached)
        conn.execute(
            "INSERT INTO actions (action_id, cif, agent_id, type, subtype, result, at)"
            " SELECT 'ACT-METRICS', 'C-M', 'AG-METRICS', 'CALL', 'OUTBOUND', 'PROMISE_TO_PAY',"
            " (max(business_date) + time '12:00') AT TIME ZONE (SELECT time_zone FROM dashboard_settings)"
            " FROM loan_delinquency"
        )
        # the agent holds C-M, whose loan was paid 40.25 on the business date
        conn.execute(
            "INSERT INTO loans (account_number, cif, product_type, currency, original_amount, outstanding,"
            " disbursement_date, maturity_date, interest_rate, term_months, status, source_system, as_of)"
            " VALUES ('LN-METRICS', 'C-M', 'PERSONAL_LOAN', 'XTS', 1000, 1000, '1999-01-01', '2001-01-01',"
            " 10, 24, 'OPEN', 'test', now())"
        )
        conn.execute(
            "INSERT INTO agent_assignments (cif, agent_type, seq, agent_id, team, valid_from, reason)"
            " VALUES ('C-M', 'CALL', 1, 'AG-METRICS', 'T-M', '2000-01-01', 'test')"
        )
        conn.execute(
            "INSERT INTO payments SELECT 'PAY-METRICS', 'LN-METRICS', 40.25, 'XTS',"
            " (max(business_date) + time '12:00') AT TIME ZONE (SELECT time_zone FROM dashboard_settings),"
            " 'CASH', 'COMPLETED', NULL FROM loan_delinquency"
        )
        try:
            async with api_client(api_settings) as client:
                found = samples((await client.get("/metrics")).text)
        finally:
            conn.execute("DELETE FROM loan_delinquency WHERE account_number = 'LN-METRICS'")
            conn.execute("DELETE FROM agents WHERE agent_id = 'AG-METRICS'")
            conn.execute("DELETE FROM actions WHERE action_id = 'ACT-METRICS'")
            conn.execute("DELETE FROM payments WHERE reference_number = 'PAY-METRICS'")
            conn.execute("DELETE FROM agent_assignments WHERE cif = 'C-M'")
            conn.execute("DELETE FROM loans WHERE account_number = 'LN-METRICS'")
    bucket = (("bucket", "30-59"), ("currency", "XTS"))
    assert found[("crm_portfolio_accounts", bucket)] == 1
    assert found[("crm_portfolio_overdue_amount", bucket)] == 150.5
    assert found[("crm_portfolio_outstanding_amount", bucket)] == 1000
    assert found[("crm_portfolio_accounts", (("bucket", "CURRENT"), ("currency", "XTS")))] == 0
    held = (("agent_id", "AG-METRICS"), ("team", "T-M"), ("type", "CALL"))
    assert found[("crm_agent_capacity", held)] == 8 and found[("crm_agent_active", held)] == 1
    assert found[("crm_agent_assigned_customers", held)] == 1
    for period in ("today", "month"):
        labels = tuple(sorted((*held, ("currency", "XTS"), ("period", period))))
        assert found[("crm_agent_collected_amount", labels)] == 40.25
    for kind in ("actions", "contacts", "promises"):  # labels in name order, as `samples` keeps them
        assert found[("crm_agent_actions_today", tuple(sorted((*held, ("kind", kind)))))] == 1
        assert found[("crm_portfolio_actions", (("kind", kind), ("period", "today")))] >= 1
    assert found[("crm_agent_promises_this_month", tuple(sorted((*held, ("status", "kept")))))] == 0
    assert ("crm_portfolio_promises", (("period", "today"), ("status", "kept_rate"))) not in found
    for judged in ("kept", "broken"):
        assert found[("crm_portfolio_promises_judged_today", (("status", judged),))] >= 0
    assert found[("crm_portfolio_scrape_success", ())] == 1


async def test_requests_the_fast_path_answers_are_counted_under_their_route_template(api_settings):
    action = {
        "cif": "C-NOBODY",
        "type": "LETTER",
        "subtype": "OUTBOUND",
        "result": "LEFT_MESSAGE",
        "at": "2026-03-02T10:00:00+00:00",
    }
    async with api_client(api_settings) as client:
        response = await client.get("/api/agents/AG-METRICS/queue", headers=token(Role.AGENT, "AG-METRICS"))
        assert response.status_code == 200
        response = await client.post("/api/actions", json=action, headers=token(Role.AGENT, "AG-METRICS"))
        assert response.status_code == 404  # refused by the fast path, through the app's error handler
        response = await client.get("/metrics")
    found = samples(response.text)
    for method, route, status in (
        ("GET", "/api/agents/{agent_id}/queue", "200"),
        ("POST", "/api/actions", "404"),
    ):
        labels = (("method", method), ("route", route), ("status", status))
        assert found.get(("crm_api_requests_total", labels)) == 1, (route, status)


async def test_queue_reads_count_what_the_kept_pages_answered(api_settings):
    headers = token(Role.AGENT, "AG-PAGES")
    async with api_client(api_settings) as client:
        deadline = time.monotonic() + 10
        while samples((await client.get("/metrics")).text)[("crm_api_queue_pages_following", ())] != 1:
            assert time.monotonic() < deadline, "the queue pages' watcher never followed the events"
            await anyio.sleep(0.02)
        for _ in range(2):
            assert (await client.get("/api/agents/AG-PAGES/queue", headers=headers)).status_code == 200
        found = samples((await client.get("/metrics")).text)
    assert found[("crm_api_queue_reads_total", (("source", "redis"),))] == 1
    assert found[("crm_api_queue_reads_total", (("source", "memory"),))] == 1
    assert found[("crm_api_queue_pages_kept", ())] == 1
    assert found[("crm_api_queue_pages_bytes", ())] == len(b"[]")  # the empty queue's page

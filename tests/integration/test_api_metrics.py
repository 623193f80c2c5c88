"""`GET /metrics`: request counts and latency per route template, and only for the monitoring networks."""

from __future__ import annotations

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

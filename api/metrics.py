"""Prometheus metrics of the API: request counts and latency per route, live-event clients and events,
served in the text format at ``GET /metrics`` to clients in ``CRM_METRICS_NETWORKS`` (loopback by default).

Requests are labelled with the route's path template (``/api/customers/{cif}``), never the raw path, so the
number of series stays bounded whatever clients ask for; a path no route matches is ``<unmatched>``. Each
app has a registry of its own (tests build many apps in one process), kept in ``app.state.metrics``.

The portfolio and agent gauges (`crm_portfolio_*`, `crm_agent_*`) are computed when Prometheus scrapes,
from the dashboard's pre-aggregated tables (`api.queries.dashboard.portfolio_summary`: nine small reads in
one round trip), so they cost nothing between scrapes and always agree with `GET /api/dashboard/portfolio`.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import SettingsDep
from api.exact_json import ExactJsonRoute
from api.queries.dashboard import portfolio_summary

log = logging.getLogger(__name__)
UNMATCHED = "<unmatched>"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class ApiMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        ProcessCollector(registry=self.registry)  # process_* (memory, CPU), like the processors export
        self.requests = Counter(
            "crm_api_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "crm_api_request_duration_seconds",
            "Time from receiving a request to the end of its response (a live-event stream: its lifetime).",
            ["method", "route"],
            registry=self.registry,
        )
        self.sse_clients = Gauge(
            "crm_api_sse_clients", "Clients connected to GET /api/events.", registry=self.registry
        )
        self.events_sent = Counter(
            "crm_api_events_sent_total",
            "Server-sent events written to clients, by event type (keep-alives not counted).",
            ["type"],
            registry=self.registry,
        )


# name → (help, labels) of the gauges computed at scrape time
PORTFOLIO_GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "crm_portfolio_accounts": ("Loans per delinquency bucket and currency.", ("bucket", "currency")),
    "crm_portfolio_overdue_amount": ("Overdue amount per bucket, in the currency.", ("bucket", "currency")),
    "crm_portfolio_outstanding_amount": ("Outstanding per bucket, in the currency.", ("bucket", "currency")),
    "crm_portfolio_collected_amount": (
        "Money collected on the business date (period=today) and in its month (period=month).",
        ("currency", "period"),
    ),
    "crm_portfolio_promises": (
        "Promises made on the business date or in its month, by current status (made = all).",
        ("period", "status"),
    ),
    "crm_portfolio_promises_judged_today": (
        "Promises judged kept or broken on the business date, whatever day they were made.",
        ("status",),
    ),
    "crm_portfolio_promise_kept_rate": (
        "Kept / (kept + broken) of the promises made on the business date or in its month.",
        ("period",),
    ),
    "crm_portfolio_actions": (
        "Agents' actions on the business date or in its month: all (kind=actions), the right-party contacts"
        " among them (kind=contacts), the promises to pay among them (kind=promises).",
        ("period", "kind"),
    ),
    "crm_portfolio_contact_rate": (
        "Right-party contacts / actions, on the business date or in its month.",
        ("period",),
    ),
    "crm_portfolio_promise_rate": ("Promises to pay / right-party contacts, same periods.", ("period",)),
    "crm_portfolio_roll_rate": (
        "Share of a bucket's accounts that rolled forward on the business date.",
        ("from_bucket", "to_bucket"),
    ),
    "crm_portfolio_cure_rate": ("Share of delinquent accounts cured on the business date.", ()),
    "crm_portfolio_business_date_seconds": (
        "The business date the stored delinquency has reached (Unix seconds at 00:00 UTC).",
        (),
    ),
    "crm_agent_assigned_customers": ("Customers an agent currently holds.", ("agent_id", "team", "type")),
    "crm_agent_capacity": ("Customers an agent may hold.", ("agent_id", "team", "type")),
    "crm_agent_active": ("1 for an active agent, 0 for an inactive one.", ("agent_id", "team", "type")),
    "crm_agent_actions_today": (
        "An agent's actions on the business date: all, right-party contacts, promises to pay (kind).",
        ("agent_id", "team", "type", "kind"),
    ),
    "crm_agent_promises_this_month": (
        "Of the promises an agent took in the business date's month, those now KEPT or BROKEN (status).",
        ("agent_id", "team", "type", "status"),
    ),
    "crm_agent_collected_amount": (
        "Money collected on the customers an agent holds now, on the business date (period=today) and in its"
        " month (period=month).",
        ("agent_id", "team", "type", "currency", "period"),
    ),
    "crm_portfolio_scrape_success": ("1 if the portfolio gauges could be read at this scrape, else 0.", ()),
}


class PortfolioCollector(Collector):
    """The portfolio and agent gauges, read from the pre-aggregated tables at each scrape."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families().values()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = self._families()
        resources = getattr(self.app.state, "resources", None)
        try:
            if resources is None:
                raise RuntimeError("the API's resources are not open")
            with resources.pool.connection(timeout=2) as conn:
                summary = portfolio_summary(conn, None)
        except Exception as error:  # a scrape must still answer: the API's own metrics matter most then
            log.warning("portfolio metrics unavailable", extra={"error": str(error)[:300]})
            families["crm_portfolio_scrape_success"].add_metric([], 0)
        else:
            add_portfolio_samples(families, summary)
            families["crm_portfolio_scrape_success"].add_metric([], 1)
        yield from families.values()

    @staticmethod
    def _families() -> dict[str, GaugeMetricFamily]:
        return {
            name: GaugeMetricFamily(name, help_text, labels=list(labels))
            for name, (help_text, labels) in PORTFOLIO_GAUGES.items()
        }


def add_portfolio_samples(families: dict[str, GaugeMetricFamily], summary: dict) -> None:
    """The samples of `portfolio_summary`'s body (money as floats: for charts, never for accounting)."""
    for row in summary["buckets"]:
        labels = [row["bucket"], row["currency"]]
        families["crm_portfolio_accounts"].add_metric(labels, row["accounts"])
        families["crm_portfolio_overdue_amount"].add_metric(labels, float(row["overdue"]))
        families["crm_portfolio_outstanding_amount"].add_metric(labels, float(row["outstanding"]))
    for row in summary["collected"]:
        families["crm_portfolio_collected_amount"].add_metric([row["currency"], "today"], float(row["today"]))
        families["crm_portfolio_collected_amount"].add_metric(
            [row["currency"], "month"], float(row["this_month"])
        )
    for promise_status, judged in summary["promises"]["settled_today"].items():
        families["crm_portfolio_promises_judged_today"].add_metric([promise_status], judged)
    for period, key in (("today", "today"), ("month", "this_month")):
        promises, activity = summary["promises"][key], summary["activity"][key]
        for promise_status in ("made", "kept", "broken", "pending"):
            families["crm_portfolio_promises"].add_metric([period, promise_status], promises[promise_status])
        for kind in ("actions", "contacts", "promises"):
            families["crm_portfolio_actions"].add_metric([period, kind], activity[kind])
        for family, rate in (
            ("crm_portfolio_promise_kept_rate", promises["kept_rate"]),
            ("crm_portfolio_contact_rate", activity["contact_rate"]),
            ("crm_portfolio_promise_rate", activity["promise_rate"]),
        ):
            if rate is not None:
                families[family].add_metric([period], rate)
    for row in summary["roll_rates"]:
        if row["rate"] is not None:
            buckets = [row["from_bucket"], row["to_bucket"]]
            families["crm_portfolio_roll_rate"].add_metric(buckets, row["rate"])
    if summary["cure_rate"]["rate"] is not None:
        families["crm_portfolio_cure_rate"].add_metric([], summary["cure_rate"]["rate"])
    if summary["business_date"]:
        day = datetime.fromisoformat(summary["business_date"]).replace(tzinfo=UTC)
        families["crm_portfolio_business_date_seconds"].add_metric([], day.timestamp())
    for agent in summary["agents"]:
        labels = [agent["agent_id"], agent["team"] or "", agent["type"] or ""]
        families["crm_agent_assigned_customers"].add_metric(labels, agent["assigned"])
        families["crm_agent_capacity"].add_metric(labels, agent["capacity"])
        families["crm_agent_active"].add_metric(labels, 1 if agent["active"] else 0)
        for kind in ("actions", "contacts", "promises"):
            families["crm_agent_actions_today"].add_metric([*labels, kind], agent[f"{kind}_today"])
        for promise_status in ("kept", "broken"):
            count = agent[f"promises_{promise_status}_this_month"]
            families["crm_agent_promises_this_month"].add_metric([*labels, promise_status], count)
        for row in agent["collected"]:
            for period, key in (("today", "today"), ("month", "this_month")):
                families["crm_agent_collected_amount"].add_metric(
                    [*labels, row["currency"], period], float(row[key])
                )


def metrics_of(app: FastAPI) -> ApiMetrics:
    return app.state.metrics


def route_template(scope: Scope) -> str:
    """The matched route's path template (FastAPI puts the route in the scope when it matches), without
    parameter converters (`/api/loans/{account_number}`, not `{account_number:id}`), as OpenAPI has it."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request; pure ASGI, so streamed responses flow through untouched."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500  # what the client gets if the app fails before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            method, route = scope["method"], route_template(scope)
            self.metrics.requests.labels(method, route, str(status_code)).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)


@cache
def allowed_networks(networks: str) -> tuple[Network, ...]:
    cidrs = (cidr.strip() for cidr in networks.split(","))
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs if cidr)


def client_allowed(host: str | None, networks: str) -> bool:
    """Whether the client's address is in one of ``networks`` (comma-separated CIDRs)."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in allowed_networks(networks))


router = APIRouter(route_class=ExactJsonRoute, tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request, settings: SettingsDep) -> Response:
    """The API's Prometheus metrics; only for clients in `CRM_METRICS_NETWORKS` (loopback by default),
    others get 403. Behind a proxy the proxy's address is the one checked."""
    host = request.client.host if request.client else None
    if not client_allowed(host, settings.metrics_networks):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "metrics are served only to the monitoring networks")
    return Response(generate_latest(metrics_of(request.app).registry), media_type=CONTENT_TYPE_LATEST)


class QueuePagesCollector(Collector):
    """The worker's kept queue pages (api/queue_pages.py): reads answered from memory or Redis, what is
    kept, and whether the worker follows the queues' events (nothing is kept while it does not)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        resources = getattr(self.app.state, "resources", None)
        pages = getattr(resources, "queue_pages", None)
        if pages is None:
            return
        reads = CounterMetricFamily(
            "crm_api_queue_reads",
            "Queue pages answered, by where from (memory: a kept page).",
            labels=["source"],
        )
        for source, count in pages.counts.items():
            reads.add_metric([source], count)
        yield reads
        kept, size = pages.kept
        yield GaugeMetricFamily("crm_api_queue_pages_kept", "Queue pages kept in memory.", value=kept)
        yield GaugeMetricFamily("crm_api_queue_pages_bytes", "Bytes of kept queue pages.", value=size)
        yield GaugeMetricFamily(
            "crm_api_queue_pages_following",
            "1 while the worker follows the queues' events (and so keeps pages), else 0.",
            value=int(pages.following),
        )


def install_metrics(app: FastAPI) -> None:
    """Adds the /metrics route and the middleware that measures every request."""
    app.state.metrics = ApiMetrics()
    app.state.metrics.registry.register(PortfolioCollector(app))
    app.state.metrics.registry.register(QueuePagesCollector(app))
    app.include_router(router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)

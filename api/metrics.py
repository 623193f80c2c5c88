"""Prometheus metrics of the API: request counts and latency per route, live-event clients and events,
served in the text format at ``GET /metrics`` to clients in ``CRM_METRICS_NETWORKS`` (loopback by default).

Requests are labelled with the route's path template (``/api/customers/{cif}``), never the raw path, so the
number of series stays bounded whatever clients ask for; a path no route matches is ``<unmatched>``. Each
app has a registry of its own (tests build many apps in one process), kept in ``app.state.metrics``.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from functools import cache

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import SettingsDep

UNMATCHED = "<unmatched>"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class ApiMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
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


def metrics_of(app: FastAPI) -> ApiMetrics:
    return app.state.metrics


def route_template(scope: Scope) -> str:
    """The matched route's path template (FastAPI puts the route in the scope when it matches)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
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


router = APIRouter(tags=["metrics"])


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


def install_metrics(app: FastAPI) -> None:
    """Adds the /metrics route and the middleware that measures every request."""
    app.state.metrics = ApiMetrics()
    app.include_router(router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)

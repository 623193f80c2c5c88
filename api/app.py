"""The FastAPI application, built by :func:`create_app` (nothing is created at import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.documented_errors import document_common_errors
from api.errors import install_error_handlers
from api.fast_paths import FastPaths
from api.metrics import install_metrics
from api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from api.publishing import DELIVERY_TIMEOUT_S
from api.resources import close_resources, open_async_resources, open_resources
from api.routes import (
    actions,
    admin_agents,
    admin_dictionaries,
    admin_strategies,
    admin_strategy_tools,
    admin_teams,
    admin_users,
    assignments,
    auth,
    cases,
    crm_contacts,
    customers,
    dashboard,
    dlq,
    events,
    health,
    loans,
    payments,
    queues,
    search,
)
from api.webapp import WEB_DIST, install_web_app
from crm.settings import Settings, get_settings

MAX_BODY_BYTES = 1_048_576  # the largest body is a strategy: 50 groups of campaigns fit well within 1 MiB
# The web app's development servers (Vite, CRA); in production the API serves the web app itself.
DEV_ORIGINS = (
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
)


def create_app(
    settings: Settings | None = None,
    *,
    delivery_timeout_s: float = DELIVERY_TIMEOUT_S,
    web_dist: Path = WEB_DIST,
) -> FastAPI:
    """The API on ``settings`` (default: ``get_settings()``); resources open in the lifespan.

    ``delivery_timeout_s``: how long a write waits for Kafka before answering 503 (and rolling back);
    ``web_dist``: the web app's production build, served where the API has no route.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.resources = open_resources(settings, delivery_timeout_s)
        try:
            await open_async_resources(app.state.resources)
            yield
        finally:
            await close_resources(app.state.resources)

    app = FastAPI(
        title="Collections CRM API",
        version="0.1.0",
        description="Real-time debt-collection CRM. Log in with `POST /api/auth/token`, then send "
        '`Authorization: Bearer <token>`. Errors are `{"detail": ...}`.',
        lifespan=lifespan,
    )
    install_error_handlers(app)
    routers = (
        auth,
        health,
        admin_strategies,
        admin_strategy_tools,
        admin_agents,
        admin_teams,
        admin_dictionaries,
        admin_users,
        assignments,
        dlq,
        queues,
        loans,
        customers,
        cases,
        crm_contacts,
        search,
    )
    for module in (*routers, actions, payments, dashboard, events):
        app.include_router(document_common_errors(module.router))
    app.add_middleware(FastPaths)  # first = innermost: every middleware below still applies
    install_metrics(app)
    install_web_app(app, web_dist)  # last: its catch-all GET must not shadow an API route
    # Added last = outermost: the request id covers everything, CORS answers preflights first.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[
            *DEV_ORIGINS,
            f"http://localhost:{settings.api_port}",
            f"http://127.0.0.1:{settings.api_port}",
        ],
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "X-Queue-Event-Id", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
    )
    app.add_middleware(RequestIdMiddleware)
    return app

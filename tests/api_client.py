"""Calling the API in-process (httpx over ASGI) with tokens signed by a test secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx

from api.app import create_app
from api.security import Principal, issue_token
from contracts.admin import Role

SECRET = "api-test-secret-" + "x" * 32
TEST_TOKEN_TTL = timedelta(hours=12)


@asynccontextmanager
async def api_client(settings, **app_options) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (pools, producer, Redis) around an httpx client; ``app_options`` go to
    `create_app` (e.g. ``delivery_timeout_s``)."""
    app = create_app(settings, **app_options)
    transport = httpx.ASGITransport(app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        yield http


def token(role: Role, agent_id: str | None = None, team: str | None = None) -> dict[str, str]:
    """A bearer header for a made-up user of ``role`` (signed with SECRET); ``team`` for supervisors."""
    principal = Principal(f"{role}-user", role, agent_id, team)
    # long-lived: modules make headers at import, and the whole suite runs longer than a real token lives
    return {"Authorization": f"Bearer {issue_token(SECRET, principal, ttl=TEST_TOKEN_TTL)}"}

"""The queue read without FastAPI's routing and dependency resolution: the hottest request of the API.

Every agent polls their queue all day, and profiling showed a third of such a request's CPU spent matching
sixty routes and resolving six dependencies for what is a token check and one Redis call. This ASGI layer,
innermost of the middleware (request id, logging, metrics, CORS and the body limit still apply), answers
`GET /api/agents/{id}/queue` itself when the request is the plain case: a valid token of an agent reading
their own queue or of an admin or portfolio-wide supervisor, and a well-formed `limit`/`offset`. Anything
else (no or bad token, another role, a team supervisor, whose team needs PostgreSQL, odd parameters, a
Redis error) goes on to the FastAPI route, which answers it as documented, so both paths give the same
answers; `tests/integration/test_api_queue.py` checks that they do.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.routes.queues import LIMIT_DEFAULT, LIMIT_MAX, OFFSET_MAX, QUEUE_READERS
from api.security import InvalidToken
from api.visibility import scope_of, sees_agent_without_database
from processors.queues.read import entries_json, read_queue_page

PATH = re.compile(r"^/api/agents/([A-Za-z0-9._:-]{1,64})/queue$")
READERS = frozenset(QUEUE_READERS)
LIMIT = (1, LIMIT_MAX, LIMIT_DEFAULT)  # min, max, default: the route's Query bounds
OFFSET = (0, OFFSET_MAX, 0)


def _bounded(text: str | None, bounds: tuple[int, int, int]) -> int | None:
    low, high, default = bounds
    if text is None:
        return default
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def _page(query_string: bytes) -> tuple[int, int] | None:
    """(limit, offset) when the query holds nothing else and both are in bounds; None otherwise."""
    params: dict[str, str] = {}
    if query_string:
        for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            if name not in ("limit", "offset") or name in params:
                return None
            params[name] = value
    limit, offset = _bounded(params.get("limit"), LIMIT), _bounded(params.get("offset"), OFFSET)
    return None if limit is None or offset is None else (limit, offset)


def _bearer(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token if scheme.lower() == "bearer" and token else None
    return None


class QueueReadFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route = None  # the FastAPI route it stands in for: metrics label requests by its template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            matched = PATH.match(scope["path"])
            if matched and await self._answer(scope, send, matched.group(1)):
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send, agent_id: str) -> bool:
        """Answer the plain case and return True; return False to leave the request to the route."""
        page = _page(scope["query_string"])
        token = _bearer(scope)
        if page is None or token is None:
            return False
        resources = scope["app"].state.resources
        try:
            user = resources.tokens.principal(token)
        except InvalidToken:
            return False
        # a team supervisor's answer is in PostgreSQL, a refusal is the route's to word: both go on
        if user.role not in READERS or not sees_agent_without_database(scope_of(user), agent_id):
            return False
        limit, offset = page
        namespace, now = resources.settings.namespace, datetime.now(UTC)
        try:
            entries, total = await read_queue_page(
                resources.redis_async, namespace, agent_id, now, limit, offset
            )
        except Exception:  # noqa: BLE001 - the route meets the same error and answers it as documented
            return False
        body = entries_json(entries)
        if self.route is None:
            self.route = _queue_route(scope["app"])
        scope["route"] = self.route
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-total-count", str(total).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return True


def _queue_route(app) -> object | None:
    for route in app.routes:
        if getattr(route, "path", None) == "/api/agents/{agent_id}/queue":
            return route
    return None

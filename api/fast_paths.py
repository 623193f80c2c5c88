"""The API's hottest reads answered without FastAPI's routing and dependency resolution.

Every agent polls their queue and opens customers all day. Profiling showed a third of a queue read's CPU,
and a fifth of a 360 view's, spent matching sixty routes and resolving dependencies for what is a token
check and one read. This ASGI layer, innermost of the middleware (request id, logging, metrics, CORS and
the body limit still apply), answers such a request itself when it is the plain case:

- ``GET /api/agents/{id}/queue``: a valid token of a caller who may read that queue (the agent, their team's
  supervisor, a portfolio-wide supervisor, an admin) and a well-formed ``limit``/``offset``; answered by
  the route's own function (`queue_page`: the worker's kept pages, or Redis).
- ``GET /api/customers/{cif}``: a valid token and a customer the caller may see; answered by the same
  function as the route (`api.queries.customers.customer_view_json`), audit row included.
- ``GET /api/search``: a valid token and parameters the route takes as they are (`plain_search`); answered
  by the route's own function (`search_json`: one `_msearch` on Elasticsearch). Routing and dependencies
  were a quarter of a search's CPU in the API. When Elasticsearch cannot answer, the app's error handler
  words the 503 here, as for the route: handing the request on would ask Elasticsearch a second time.
- ``POST /api/actions``: no query, an agent's or supervisor's valid token and a JSON body (declared
  length, JSON content type) that the contract accepts; recorded by the route's own function
  (`answer_action`), its refusals answered by the app's error handlers, as the route's are. FastAPI's body
  handling and dependencies were over a third of an action's CPU.

Anything else (no or bad token, another role, a queue the caller may not read, odd parameters, a customer
not found or not theirs, a store's error, a body the contract refuses) goes on to the FastAPI route, which
answers it as documented, so both paths give the same answers; tests/integration/test_api_queue.py,
test_api_customers.py, test_api_actions.py and test_search.py check that they do byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

import psycopg
import psycopg_pool
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import OFFSET_MAX
from api.queries.customers import customer_view_json
from api.resources import Resources
from api.routes.actions import ACTION_RECORDERS, answer_action
from api.routes.queues import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    QUEUE_READERS,
    SEEN_EVENT_HEADER,
    may_read_queue,
    queue_page,
    unknown_agent,
)
from api.routes.search import plain_search, search_json
from api.security import InvalidToken, Principal
from contracts.nul import NUL
from contracts.writes import ActionAccepted, ActionCreate

Headers = list[tuple[bytes, bytes]]
# A fast answer: the JSON body and headers beyond content type and length; None leaves it to the route.
Answer = tuple[bytes, Headers] | None
Handler = Callable[[Scope, Resources, Principal, str], Awaitable[Answer]]

LIMIT = (1, LIMIT_MAX, LIMIT_DEFAULT)  # min, max, default: the queue route's Query bounds
OFFSET = (0, OFFSET_MAX, 0)
QUEUE_READER_ROLES = frozenset(QUEUE_READERS)
ACTIONS_PATH = "/api/actions"
ACTION_RECORDER_ROLES = frozenset(ACTION_RECORDERS)
SEEN_EVENT_HEADER_BYTES = SEEN_EVENT_HEADER.encode()
MAX_WRITE_BODY = 65_536  # an action is a few hundred bytes; a larger body goes to the route


def _bounded(text: str | None, bounds: tuple[int, int, int]) -> int | None:
    low, high, default = bounds
    if text is None:
        return default
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def _params(query_string: bytes) -> dict[str, str] | None:
    """The query's parameters (decoded as Starlette does) when each is given once; None otherwise: which of
    two counts is the route's to say."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in params or NUL in name or NUL in value:  # the route refuses NUL (`api.exact_json`)
            return None
        params[name] = value
    return params


def _page(query_string: bytes) -> tuple[int, int] | None:
    """(limit, offset) when the query holds nothing else and both are in bounds; None otherwise."""
    params = _params(query_string)
    if params is None or not params.keys() <= {"limit", "offset"}:
        return None
    limit, offset = _bounded(params.get("limit"), LIMIT), _bounded(params.get("offset"), OFFSET)
    return None if limit is None or offset is None else (limit, offset)


async def queue_read(scope: Scope, resources: Resources, user: Principal, agent_id: str) -> Answer:
    page = _page(scope["query_string"])
    if page is None or user.role not in QUEUE_READER_ROLES:
        return None
    limit, offset = page
    try:
        if not await may_read_queue(resources, user, agent_id):
            return None  # the route words the refusal (403)
        seen_event = _header(scope, SEEN_EVENT_HEADER_BYTES)
        body, total = await queue_page(resources, agent_id, limit, offset, seen_event)
        if total == 0 and await unknown_agent(resources, user, agent_id):
            return None  # the route words the refusal (404)
    except Exception:  # noqa: BLE001 - a read only: the route meets the same error and answers it as documented
        return None
    return body, [(b"x-total-count", str(total).encode())]


async def customer_read(scope: Scope, resources: Resources, user: Principal, cif: str) -> Answer:
    if scope["query_string"]:
        return None
    try:
        body = await customer_view_json(resources.pool_async, user, cif)
    except (psycopg.Error, psycopg_pool.PoolTimeout):  # the statement did nothing: the route answers (503)
        return None
    return None if body is None else (body, [])


async def search_read(scope: Scope, resources: Resources, user: Principal, _argument: str) -> Answer:
    params = _params(scope["query_string"])
    request = None if params is None else plain_search(params)
    if request is None:
        return None
    return await search_json(resources, user, request), []


@dataclass(frozen=True)
class FastRoute:
    path: re.Pattern[str]  # its one group, if any, is the handler's argument
    template: str  # the FastAPI route it stands in for: metrics label requests by its template
    handler: Handler


ROUTES = (
    FastRoute(
        re.compile(r"^/api/agents/([A-Za-z0-9._:-]{1,64})/queue$"), "/api/agents/{agent_id}/queue", queue_read
    ),
    # a cif holding "/" (sent as %2F) is left to the route, whose template takes it (`{cif:id}`)
    FastRoute(re.compile(r"^/api/customers/([A-Za-z0-9._:-]{1,64})$"), "/api/customers/{cif}", customer_read),
    FastRoute(re.compile(r"^/api/search$"), "/api/search", search_read),
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _small_json_body(scope: Scope) -> bool:
    """Whether the request declares a JSON body of a length small enough to hold."""
    length, json = None, False
    for key, value in scope["headers"]:
        if key == b"content-length" and value.isdigit():
            length = int(value)
        elif key == b"content-type":
            json = value.split(b";", 1)[0].strip().lower() == b"application/json"
    return json and length is not None and length <= MAX_WRITE_BODY


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when the client went away."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the route after this layer read the body: the body again, then the client's."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


@dataclass(frozen=True)
class Matched:
    """``scope["route"]`` for a request answered here: what the layers outside read of a matched route
    (`api.metrics.route_template`: its path template, the label of its metrics)."""

    path: str


class FastPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and NUL not in scope["path"]:
            for route in ROUTES:
                matched = route.path.match(scope["path"])
                if matched:
                    argument = matched.group(1) if route.path.groups else ""
                    if await self._answer(route, scope, receive, send, argument):
                        return
                    break
        elif (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == ACTIONS_PATH
            and not scope["query_string"]
        ):
            receive = await self._record_action(scope, receive, send)
            if receive is None:
                return
        await self.app(scope, receive, send)

    async def _record_action(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Record the action when the request is the plain case (an agent's or supervisor's valid token,
        a JSON body that the contract accepts) and return None; else the ``receive`` for the route."""
        if not _small_json_body(scope):
            return receive
        user = self._principal(scope)
        if user is None or user.role not in ACTION_RECORDER_ROLES:
            return receive
        body = await _read_body(receive)
        if body is None:
            return None  # the client went away: nobody to answer
        receive = _replaying(body, receive)
        try:
            action = ActionCreate.model_validate_json(body)  # numbers read exactly, as the route does
        except ValidationError:
            return receive  # the route words the 422
        app = scope["app"]
        scope["route"] = Matched(ACTIONS_PATH)
        try:
            resources = app.state.resources
            dictionaries = await app.state.dictionaries.current(resources.pool_async)
            answer = await answer_action(resources, dictionaries, user, action)
        except Exception as error:
            await _answer_error(scope, receive, send, error)
            return None
        if isinstance(answer, ActionAccepted):
            await _send_json(send, 202, answer.model_dump_json().encode(), [])
        else:
            await answer(scope, receive, send)  # the route's own refusal (409)
        return None

    def _principal(self, scope: Scope) -> Principal | None:
        token = _bearer(scope)
        if token is None:
            return None
        try:
            return scope["app"].state.resources.tokens.principal(token)
        except InvalidToken:
            return None

    async def _answer(
        self, route: FastRoute, scope: Scope, receive: Receive, send: Send, argument: str
    ) -> bool:
        """Answer the plain case and return True; return False to leave the request to the route."""
        user = self._principal(scope)
        if user is None:
            return False
        try:
            answer = await route.handler(scope, scope["app"].state.resources, user, argument)
        except Exception as error:
            scope["route"] = Matched(route.template)
            await _answer_error(scope, receive, send, error)
            return True
        if answer is None:
            return False
        body, headers = answer
        scope["route"] = Matched(route.template)
        await _send_json(send, 200, body, headers)
        return True


async def _send_json(send: Send, status: int, body: bytes, headers: Headers) -> None:
    start_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*start_headers, *headers]})
    await send({"type": "http.response.body", "body": body})


async def _answer_error(scope: Scope, receive: Receive, send: Send, error: Exception) -> None:
    """Answer an error as the route's would be: by the app's handler for it (a 503 when a store cannot
    answer, ...); an unexpected one is raised on to the outermost handler (500)."""
    handler = _error_handler(scope["app"], error)
    if handler is None:
        raise error
    response = await handler(Request(scope), error)
    await response(scope, receive, send)


def _error_handler(app, error: Exception) -> Callable | None:
    """The app's handler for an expected error (as Starlette picks it: the nearest class); None for an
    unexpected one, which the outermost middleware answers."""
    for kind in type(error).__mro__:
        if kind is Exception:
            return None
        if kind in app.exception_handlers:
            return app.exception_handlers[kind]
    return None

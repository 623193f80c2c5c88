"""JSON request bodies read with every number's own digits, for money (``contracts.exact``).

FastAPI reads a JSON body with ``json.loads``, turning ``999999999999999.99`` into the float
``1000000000000000.0`` before any contract sees it: an amount sent as a JSON number could be stored as
another amount. Every router of the API uses :class:`ExactJsonRoute`, whose requests read JSON with
``contracts.exact.loads_exact`` (fractions as ``Decimal``), so a body means the same through a route, the
fast path (`api.fast_paths`) and the topics' own validation.

A body sent with a content type other than JSON (``text/plain``, a form) to a route that reads JSON is 415
with what to send, before anything else reads it; no content type is read as JSON, as FastAPI does.

The same routes refuse text holding NUL (U+0000) in the path, the query, a JSON body or a form (the login),
with a 422 at the parameter or field (`contracts.nul`): PostgreSQL stores it nowhere, so it would fail the
write or the lookup it reached with a 500.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from api.errors import UnsupportedMediaType
from contracts.exact import loads_exact
from contracts.nul import NUL, may_hold_nul, nul_errors

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class ExactJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads_exact(body)
            except json.JSONDecodeError:
                raise
            except ValueError as error:  # NaN or Infinity, or not UTF-8: answered 422 like any bad JSON
                raise json.JSONDecodeError(str(error), body.decode("utf-8", "replace"), 0) from None
        return self._json


class ExactJsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        json_body = reads_json(self)

        async def exact_json_handler(request: Request) -> Response:
            content_type = _media_type(request)
            if json_body and content_type and not _is_json(content_type):
                raise UnsupportedMediaType(f"send the body as application/json, not {content_type}")
            exact = ExactJsonRequest(request.scope, request.receive)
            errors = await _nul_errors(exact, content_type or "application/json")
            if errors:
                raise RequestValidationError(errors)
            return await handler(exact)

        return exact_json_handler


def reads_json(route: APIRoute) -> bool:
    """Whether the route takes a JSON body: FastAPI's own test for a form body (the login's) says no."""
    return route.body_field is not None and not isinstance(route.body_field.field_info, params.Form)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _media_type(request: Request) -> str:
    """The body's media type without its parameters, lower-cased (media types are case-insensitive: FastAPI
    reads `Application/JSON` as JSON); "" when the request names none."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _nul_errors(request: ExactJsonRequest, content_type: str) -> list[dict]:
    """422 errors for NUL in the path's parameters, the query or a JSON body (each test is a substring
    search first: the usual request pays nothing more)."""
    errors = []
    if NUL in request.scope["path"]:
        errors += nul_errors(request.path_params, ("path",))
    if b"%00" in request.scope["query_string"]:
        errors += _pairs_nul_errors(request.query_params.multi_items(), "query")
    if _is_json(content_type):
        body = await request.body()
        if may_hold_nul(body):
            with contextlib.suppress(json.JSONDecodeError):  # FastAPI reads it again and answers that itself
                errors += nul_errors(await request.json(), ("body",))
    elif content_type in FORMS:  # the login form: its username reaches PostgreSQL
        body = await request.body()
        if b"%00" in body or b"\x00" in body:
            form = await request.form()  # kept on the request: the route reads the same form
            errors += _pairs_nul_errors([(k, v) for k, v in form.multi_items() if isinstance(v, str)], "body")
    return errors


def _pairs_nul_errors(pairs: list[tuple[str, str]], where: str) -> list[dict]:
    """NUL in the names or values of a query's or a form's fields, each at ``(where, name)``."""
    return [
        error
        for name, value in pairs
        for error in nul_errors({name: value} if NUL in name else value, (where, name))
    ]

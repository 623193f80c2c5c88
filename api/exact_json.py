"""JSON request bodies read with every number's own digits, for money (``contracts.exact``).

FastAPI reads a JSON body with ``json.loads``, turning ``999999999999999.99`` into the float
``1000000000000000.0`` before any contract sees it: an amount sent as a JSON number could be stored as
another amount. Every router of the API uses :class:`ExactJsonRoute`, whose requests read JSON with
``contracts.exact.loads_exact`` (fractions as ``Decimal``), so a body means the same through a route, the
fast path (`api.fast_paths`) and the topics' own validation.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from contracts.exact import loads_exact


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

        async def exact_json_handler(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return exact_json_handler

"""The error answers each route can give, in the OpenAPI document: integrators generate clients from it.

401 and 403 follow from a route's dependencies (the bearer token, a required role), so they are added to
every route that has them, and 415 to every route that reads a JSON body (`api.exact_json`); 404 is
declared by the routes that look something up (`NOT_FOUND`). Every error body is ``{"detail": "..."}``
(`api.errors`), 422 apart (FastAPI's list of field errors).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.deps import current_user
from api.exact_json import reads_json


class ErrorMessage(BaseModel):
    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorMessage, "description": description}


UNAUTHORIZED = {401: _error("No valid bearer token (answered with `WWW-Authenticate: Bearer`)")}
FORBIDDEN = {403: _error("The caller's role may not do this")}
NOT_FOUND = {
    404: _error("Not found, or not visible to the caller (the same answer, so existence does not leak)")
}
NOT_JSON = {415: _error("A body sent as other than JSON (no `Content-Type` is read as JSON)")}
CREATE_ONLY = {412: _error("`If-None-Match: *` was sent and it exists already: nothing was changed")}


def _calls(dependant: Dependant) -> set:
    calls = set()
    for dependency in dependant.dependencies:
        calls.add(dependency.call)
        calls |= _calls(dependency)
    return calls


def document_common_errors(router: APIRouter) -> APIRouter:
    """Add 401 to the router's routes that need a token, 403 to those that need a role and 415 to those
    that read JSON; in place, before the router is included (the app builds its routes' response models
    from these)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        calls = _calls(route.dependant)
        if current_user in calls:
            route.responses = {**UNAUTHORIZED, **route.responses}
        if any(getattr(call, "required_roles", None) for call in calls):
            route.responses = {**FORBIDDEN, **route.responses}
        if reads_json(route):
            route.responses = {**NOT_JSON, **route.responses}
    return router

"""Every error as JSON ``{"detail": ...}``: the API's own errors, validation (422 with the field's path and
the reason), unavailable dependencies (503) and anything unexpected (500, with the request id)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import psycopg
import psycopg_pool
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.context import current_request_id
from contracts.errors import CROSS_FIELD

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An expected failure with a status and a message meant for the caller."""

    status_code = 400

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class Unauthorized(ApiError):
    status_code = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class NotFound(ApiError):
    status_code = 404


class Conflict(ApiError):
    status_code = 409


class PreconditionFailed(ApiError):
    """A conditional request's condition does not hold (``If-None-Match: *`` on something that exists)."""

    status_code = 412


class ServiceUnavailable(ApiError):
    """A dependency (Kafka, PostgreSQL...) did not answer; nothing was changed."""

    status_code = 503


class TooManyRequests(ApiError):
    status_code = 429


class UnsupportedMediaType(ApiError):
    """A body sent as something other than JSON to a route that reads JSON."""

    status_code = 415


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so that FastAPI's body reading lets it through."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


def error_detail(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error: where (``loc`` as FastAPI gives it, ``field`` dotted without ``body``), why."""
    loc = list(error.get("loc", ()))
    message = error.get("msg", "")
    kind = error.get("type", "")
    if kind == CROSS_FIELD:
        # A model's cross-field check reports at the model; the field it names travels in the context.
        context = error.get("ctx") or {}
        loc += [int(part) if part.isdigit() else part for part in str(context.get("field", "")).split(".")]
        message = str(context.get("message", message))
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    parts = loc[1:] if loc[:1] == ["body"] else loc
    return {"loc": loc, "field": ".".join(str(part) for part in parts), "msg": message, "type": kind}


def body_validation_error(error: ValidationError) -> RequestValidationError:
    """A ValidationError from checking a request body in code, reported like FastAPI's own (under body)."""
    errors = error.errors(include_url=False, include_input=False)
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])


def field_error(field: str, message: str) -> RequestValidationError:
    """A 422 for one body field that only the route can judge (e.g. an id that disagrees with the path)."""
    return fields_error([(field, message)])


def fields_error(problems: Iterable[tuple[str, str]]) -> RequestValidationError:
    """One 422 naming every body field found wrong (``(field, message)``, dotted), like FastAPI's own."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", *field.split(".")), "msg": msg} for field, msg in problems]
    )


def query_error(parameter: str, message: str) -> RequestValidationError:
    """A 422 for a query parameter that only the route can judge (e.g. one of two that must come alone)."""
    return RequestValidationError([{"type": "value_error", "loc": ("query", parameter), "msg": message}])


def _json(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _api_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return _json(error.status_code, error.detail, error.headers)


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    headers = getattr(error, "headers", None)
    if error.status_code == 405:  # Starlette names only the first route of the path that matched
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return _json(error.status_code, error.detail, headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes at the request's path (FastAPI has a route per method)."""
    routes = request.app.router.routes
    return [
        method
        for method in HTTP_METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return _json(422, [error_detail(e) for e in error.errors()])


async def _database_down(_request: Request, error: Exception) -> JSONResponse:
    log.warning("PostgreSQL unavailable", extra={"error": str(error).strip()[:200]})
    return _json(503, "PostgreSQL is unavailable; nothing was changed, try again shortly")


def internal_error(error: Exception) -> JSONResponse:
    """The 500 for an error nothing else answered, logged with the request id the reply names."""
    request_id = current_request_id()
    log.error("unhandled error", exc_info=error, extra={"request_id": request_id})
    return _json(500, f"internal error (request id {request_id})")


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    # Only for what escapes `api.middleware.RequestIdMiddleware`, which answers the rest with its id.
    return internal_error(error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(psycopg_pool.PoolTimeout, _database_down)
    app.add_exception_handler(psycopg.OperationalError, _database_down)
    app.add_exception_handler(Exception, _unexpected)

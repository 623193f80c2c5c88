"""Typed dependencies: a route states what it needs in its signature (``conn: ConnDep``,
``user: RequireRole(Role.ADMIN)``) and contains no plumbing.

Those that do no blocking I/O are ``async def``: FastAPI runs a plain ``def`` dependency on a worker
thread, and each such hand-off cost more than the dependency itself. ``get_conn`` blocks (a pool checkout
may wait), so it stays a ``def``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, Header, HTTPException, Path, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from starlette.convertors import PathConvertor, register_url_convertor

from api.publishing import Publisher
from api.resources import Resources
from api.security import InvalidToken, Principal
from contracts.admin import Role
from crm.settings import Settings

TOKEN_URL = "/api/auth/token"
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_resources(request: Request) -> Resources:
    return request.app.state.resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_app_settings(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_conn(resources: ResourcesDep) -> Iterator[psycopg.Connection]:
    """A pooled autocommit connection for the request; writes open their own transaction on it."""
    with resources.pool.connection() as conn:
        yield conn


ConnDep = Annotated[psycopg.Connection, Depends(get_conn)]


async def get_publisher(resources: ResourcesDep) -> Publisher:
    return resources.publisher


PublisherDep = Annotated[Publisher, Depends(get_publisher)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def current_user(resources: ResourcesDep, token: Annotated[str | None, Depends(_bearer)]) -> Principal:
    if not token:
        raise _unauthorized("not authenticated: send a bearer token from POST /api/auth/token")
    try:
        return resources.tokens.principal(token)
    except InvalidToken as error:
        raise _unauthorized(str(error)) from None


CurrentUser = Annotated[Principal, Depends(current_user)]


def RequireRole(*roles: Role):  # noqa: N802 - used like a type: `user: RequireRole(Role.ADMIN)`
    """The caller, who must have one of ``roles`` (401 without a valid token, 403 with another role)."""
    allowed = frozenset(roles)
    names = " or ".join(sorted(role.value for role in allowed))

    async def require(user: CurrentUser) -> Principal:
        if user.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {names} role")
        return user

    require.required_roles = allowed  # type: ignore[attr-defined] # read by api.documented_errors
    return Annotated[Principal, Depends(require)]


AdminUser = RequireRole(Role.ADMIN)
# Supervisors configure campaigns with the admins (domain: they read the strategies; admins publish them).
StrategyReader = RequireRole(Role.ADMIN, Role.SUPERVISOR)


class IdPathConvertor(PathConvertor):
    """``{cif:id}``: the rest of the path, so an id holding "/" (sent as %2F) is taken whole, but never
    empty: ``/api/admin/agents/`` is the list, redirected to ``/api/admin/agents``, not a 422 for an empty
    agent id."""

    regex = ".+"


# Registered before any route module builds its templates: each imports this module first.
register_url_convertor("id", IdPathConvertor())

# Natural keys in paths, with the contracts' Identifier rule (422 naming the parameter otherwise).
_IDENTIFIER = r"^[A-Za-z0-9._:/-]+$"
StrategyIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=_IDENTIFIER)]
AgentIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=_IDENTIFIER)]

# How deep a list may be paged. PostgreSQL takes OFFSET as a bigint: an offset past it failed the request
# (500) instead of refusing it (422), and no list here is deep enough to need more.
OFFSET_MAX = 1_000_000
OffsetQuery = Annotated[int, Query(ge=0, le=OFFSET_MAX)]
# A list's search box: the rows whose names hold this text, in any case (NUL refused: PostgreSQL's text
# cannot hold it).
ContainingQuery = Annotated[
    str | None,
    Query(
        alias="q",
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="only rows whose id or name holds this text, in any case",
    ),
]

# `If-None-Match: *` on a create-or-replace PUT: create only (RFC 9110 13.1.2); other values are entity
# tags, which these resources do not have, and are refused rather than ignored.
IfNoneMatch = Annotated[
    str | None,
    Header(
        pattern=r"^\s*\*\s*$",
        description="`*`: create only; 412 when it exists already",
    ),
]


def create_only(if_none_match: str | None) -> bool:
    return if_none_match is not None

"""Recording actions (agents, supervisors) and the code dictionaries their form is built from."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import psycopg
import psycopg_pool
from fastapi import APIRouter, Depends, FastAPI, Request, status
from fastapi.responses import JSONResponse

from api.deps import CurrentUser, RequireRole, ResourcesDep
from api.documented_errors import NOT_FOUND
from api.exact_json import ExactJsonRoute
from api.resources import Resources
from api.security import Principal
from api.services import actions as service
from api.services.dictionaries import DictionaryBook, check_file_against_strategies, load_dictionaries
from contracts.admin import Role
from contracts.writes import ActionAccepted, ActionCreate, ComplianceBlocked, DictionariesPublic
from domain.dictionaries import Dictionaries

log = logging.getLogger(__name__)
FILE_CHECK_TIMEOUT_S = 10.0


@asynccontextmanager
async def _dictionaries(app: FastAPI) -> AsyncIterator[None]:
    """Load the dictionaries file when the API starts (after the app's resources): a bad file, or one
    lacking a case code the live strategy names, stops it there. An admin's saved dictionaries, when there
    are any, replace it (`api.services.dictionaries`)."""
    resources = app.state.resources
    path = resources.settings.dictionaries_file
    book = DictionaryBook(load_dictionaries(path), from_file=path is not None)
    if path is not None:
        await asyncio.to_thread(_check_file, resources, path, book)
    app.state.dictionaries = book
    yield


def _check_file(resources: Resources, path: Path, book: DictionaryBook) -> None:
    try:
        with resources.pool.connection(timeout=FILE_CHECK_TIMEOUT_S) as conn:
            check_file_against_strategies(conn, path, book)
    except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
        # PostgreSQL down (or not migrated yet) at the start does not stop the API (its health says so)
        log.warning("the dictionaries file was not checked against the live strategies: %s", error)


router = APIRouter(route_class=ExactJsonRoute, prefix="/api", tags=["actions"], lifespan=_dictionaries)
ACTION_RECORDERS = (Role.AGENT, Role.SUPERVISOR)
ActionRecorder = RequireRole(*ACTION_RECORDERS)


async def get_dictionaries(request: Request) -> Dictionaries:
    return await request.app.state.dictionaries.current(request.app.state.resources.pool_async)


DictionariesDep = Annotated[Dictionaries, Depends(get_dictionaries)]


@router.get("/dictionaries", response_model=DictionariesPublic)
async def dictionaries(_user: CurrentUser, loaded: DictionariesDep) -> dict:
    """Action types, subtypes and results, customer segments and statuses: each code with its label, in
    the order forms show them (as an admin saved them, else `CRM_DICTIONARIES_FILE`, else the built-in
    defaults)."""
    return loaded.as_dict()


@router.post(
    "/actions",
    response_model=ActionAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **NOT_FOUND,
        409: {
            "model": ComplianceBlocked,
            "description": "a contact rule forbids the call, or the id is taken",
        },
        503: {"description": "Kafka did not confirm (or Redis could not be read); nothing was stored"},
    },
)
async def record_action(
    body: ActionCreate,
    user: ActionRecorder,
    resources: ResourcesDep,
    loaded: DictionariesDep,
) -> ActionAccepted | JSONResponse:
    """Record an action and produce it to `agent.actions`. `action_id` (default: a new UUID) makes it
    idempotent: the same action again gets the same reply and is not produced twice. An outbound call is
    checked against the contact rules at its `at` (409 naming the rule)."""
    return await answer_action(resources, loaded, user, body)


async def answer_action(
    resources: Resources, dictionaries: Dictionaries, user: Principal, body: ActionCreate
) -> ActionAccepted | JSONResponse:
    """The route's answer (also `api.fast_paths`'): the accepted action, or 409 naming the contact rule;
    the other refusals are raised, for the app's error handlers."""
    try:
        return await service.record_action(
            resources.write_pool_async, resources.redis_async, resources.publisher, dictionaries, user, body
        )
    except service.ComplianceRefused as refused:
        blocked = ComplianceBlocked(
            detail=refused.detail, rule=str(refused.rule), contactable_from=refused.contactable_from
        )
        return JSONResponse(blocked.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)

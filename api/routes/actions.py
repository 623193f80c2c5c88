"""Recording actions (agents, supervisors) and the code dictionaries their form is built from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentUser, RequireRole, ResourcesDep
from api.resources import Resources
from api.security import Principal
from api.services import actions as service
from contracts.admin import Role
from contracts.writes import ActionAccepted, ActionCreate, ComplianceBlocked, DictionariesPublic
from domain.dictionaries import Dictionaries


@asynccontextmanager
async def _dictionaries(app: FastAPI) -> AsyncIterator[None]:
    """Load the dictionaries when the API starts (after the app's resources): a bad file stops it there."""
    app.state.dictionaries = service.load_dictionaries(app.state.resources.settings.dictionaries_file)
    yield


router = APIRouter(prefix="/api", tags=["actions"], lifespan=_dictionaries)
ActionRecorder = RequireRole(Role.AGENT, Role.SUPERVISOR)


async def get_dictionaries(request: Request) -> Dictionaries:
    return request.app.state.dictionaries


DictionariesDep = Annotated[Dictionaries, Depends(get_dictionaries)]


@router.get("/dictionaries", response_model=DictionariesPublic)
def dictionaries(_user: CurrentUser, loaded: DictionariesDep) -> dict:
    """Action types, subtypes and results, customer segments and statuses: each code with its label, in
    the order forms show them (`CRM_DICTIONARIES_FILE`, else the built-in defaults)."""
    return loaded.as_dict()


def _record_blocking(
    resources: Resources, dictionaries: Dictionaries, user: Principal, body: ActionCreate
) -> ActionAccepted:
    """The whole write on one pooled connection and one worker thread (it blocks on PostgreSQL, Redis and
    Kafka's confirmation; one hand-off per request instead of one per dependency)."""
    with resources.pool.connection() as conn:
        return service.record_action(conn, resources.redis, resources.publisher, dictionaries, user, body)


@router.post(
    "/actions",
    response_model=ActionAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
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
    try:
        return await run_in_threadpool(_record_blocking, resources, loaded, user, body)
    except service.ComplianceRefused as refused:
        blocked = ComplianceBlocked(
            detail=refused.detail, rule=str(refused.rule), contactable_from=refused.contactable_from
        )
        return JSONResponse(blocked.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)

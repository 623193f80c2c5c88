"""Supervisors (and admins) moving customers between agents: the choices, one customer, a rebalance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import ConnDep, PublisherDep, RequireRole
from api.documented_errors import NOT_FOUND
from api.errors import query_error
from api.exact_json import ExactJsonRoute
from api.services import reassignments as service
from contracts.admin import Role
from contracts.common import Identifier
from contracts.reassignments import (
    AssignmentOptions,
    ReassignmentAccepted,
    ReassignmentCreate,
    ReassignmentStatus,
    RebalanceAccepted,
    RebalanceCreate,
)

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/assignments", tags=["assignments"])
Reassigner = RequireRole(Role.SUPERVISOR, Role.ADMIN)
MAX_IDS = 200  # reassignments read at once by id (a rebalance's moves, a page at a time)
_REFUSED = {409: {"description": "the move is not possible: `detail` says why (nothing was published)"}}
_FAILURES = {503: {"description": "Kafka did not confirm; nothing was published"}}


@router.get("/options", response_model=list[AssignmentOptions], responses=NOT_FOUND)
def assignment_options(
    user: Reassigner, conn: ConnDep, cif: Identifier = Query(description="the customer")
) -> list[AssignmentOptions]:
    """For each pool the customer is in (one per agent type; a team supervisor's team only): its agents,
    those the customer can be moved to first (least loaded first), the others with why not."""
    return service.options(conn, user, cif)


@router.post(
    "",
    response_model=ReassignmentAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **_REFUSED, **_FAILURES},
)
def reassign(
    body: ReassignmentCreate, user: Reassigner, conn: ConnDep, publisher: PublisherDep
) -> ReassignmentAccepted:
    """Move the customer to `agent_id` (in that agent's team and type of pool). Refused (409) when the
    customer is not in that pool, is with that agent already, or the agent does not fit the customer's
    campaign or is full. The agent keeps the customer while it fits, as any assignment."""
    return service.reassign(conn, publisher, user, body)


@router.post(
    "/rebalance",
    response_model=RebalanceAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **_FAILURES},
)
def rebalance(
    body: RebalanceCreate, user: Reassigner, conn: ConnDep, publisher: PublisherDep
) -> RebalanceAccepted:
    """Move up to `count` of the agent's customers, most recently given first, each to the least loaded
    other agent of the pool that fits them and has room; `stays` counts those no other agent could take."""
    return service.rebalance(conn, publisher, user, body)


@router.get("/requests", response_model=list[ReassignmentStatus], responses=NOT_FOUND)
def reassignment_requests(
    user: Reassigner,
    conn: ConnDep,
    cif: Annotated[Identifier | None, Query(description="the customer")] = None,
    override_id: Annotated[
        list[Identifier],
        Query(max_length=MAX_IDS, description="instead of `cif`: these reassignments (e.g. a rebalance's)"),
    ] = [],  # noqa: B006 (FastAPI copies a query's default)
    limit: Annotated[int, Query(ge=1, le=200, description="with `cif`: how many")] = 20,
) -> list[ReassignmentStatus]:
    """The customer's reassignments, newest first, or those named by `override_id` (repeated, up to 200; in
    that order, unknown ones left out); give one of the two. A team supervisor sees their team's only. Each
    comes with what the allocation processor made of it: `PENDING` until it reads it, then `APPLIED`,
    `KEPT_FOR_STAY` (read before the customer's stay began; decided again when it begins), `ALREADY`,
    `REFUSED` (the pool changed since the move was checked; `reason` says why) or `SUPERSEDED`."""
    if (cif is None) == (not override_id):
        raise query_error("cif", "give cif or override_id (one of the two)")
    return service.requests(conn, user, cif, override_id, limit)


@router.get("/requests/{override_id}", response_model=ReassignmentStatus, responses=NOT_FOUND)
def reassignment_request(
    user: Reassigner,
    conn: ConnDep,
    override_id: Annotated[Identifier, Path(description="the `override_id` the move was accepted with")],
) -> ReassignmentStatus:
    """One reassignment and what became of it (404 for one of another team, to a team supervisor)."""
    return service.request(conn, user, override_id)

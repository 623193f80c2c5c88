"""Strategy versions: read (admins and supervisors), publish a new version and request a re-evaluation
(admins)."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import AdminUser, ConnDep, PublisherDep, StrategyIdPath, StrategyReader
from api.documented_errors import NOT_FOUND
from api.errors import NotFound
from api.exact_json import ExactJsonRoute
from api.queries import strategies
from api.routes.actions import DictionariesDep
from api.services import strategies as service
from contracts.admin import ReevaluationAccepted, StrategyPublic, StrategyUpdate

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/admin/strategies", tags=["admin: strategies"])
_FAILURES = {503: {"description": "Kafka did not confirm; nothing was stored"}}


@router.get("", response_model=list[StrategyPublic])
def list_strategies(_reader: StrategyReader, conn: ConnDep) -> list[StrategyPublic]:
    """The current (highest) version of each strategy."""
    return strategies.current_strategies(conn)


# An id may hold "/" (sent as %2F), so the templates take the rest of the path: the routes with a fixed
# tail come first, or `/{strategy_id:id}` would read "x/reevaluate" as an id.
@router.get("/{strategy_id:id}/versions/{version}", response_model=StrategyPublic, responses=NOT_FOUND)
def get_strategy_version(
    strategy_id: StrategyIdPath, version: int, _reader: StrategyReader, conn: ConnDep
) -> StrategyPublic:
    found = strategies.strategy_version(conn, strategy_id, version)
    if found is None:
        raise NotFound(f"strategy {strategy_id!r} has no version {version}")
    return found


@router.post(
    "/{strategy_id:id}/reevaluate",
    response_model=ReevaluationAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **_FAILURES},
)
def reevaluate(
    strategy_id: StrategyIdPath, admin: AdminUser, conn: ConnDep, publisher: PublisherDep
) -> ReevaluationAccepted:
    """Re-evaluate every customer under the current version: one request per partition."""
    return service.request_reevaluation(conn, publisher, strategy_id, admin.username)


@router.get("/{strategy_id:id}", response_model=StrategyPublic, responses=NOT_FOUND)
def get_strategy(strategy_id: StrategyIdPath, _reader: StrategyReader, conn: ConnDep) -> StrategyPublic:
    found = strategies.current_strategy(conn, strategy_id)
    if found is None:
        raise NotFound(f"strategy {strategy_id!r} has no published version")
    return found


@router.put("/{strategy_id:id}", response_model=StrategyPublic, responses=_FAILURES)
def publish_strategy(
    strategy_id: StrategyIdPath,
    body: StrategyUpdate,
    admin: AdminUser,
    conn: ConnDep,
    publisher: PublisherDep,
    dictionaries: DictionariesDep,
) -> StrategyPublic:
    """Publish the groups as the next version (numbered by the server) to `config.strategies`. A
    condition on a case field must name codes its dictionary holds (nothing else can match)."""
    return service.publish_strategy(conn, publisher, strategy_id, body, admin.username, dictionaries)

"""A customer's case: the CRM's own statuses of the collection work on them, and the master notes."""

from __future__ import annotations

from fastapi import APIRouter

from api.customer_events import announce_saved
from api.deps import ConnDep, CurrentUser, PublisherDep, RequireRole, ResourcesDep
from api.documented_errors import NOT_FOUND
from api.exact_json import ExactJsonRoute
from api.routes.actions import ACTION_RECORDERS, DictionariesDep
from api.routes.customers import CifPath
from api.services import cases as service
from contracts.cases import CaseUpdate, CaseView

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/cases", tags=["cases"])
CaseWorker = RequireRole(*ACTION_RECORDERS)  # who works the customer records actions and keeps the case
_STALE = {
    409: {"description": "saved by someone else since the version the body is based on"},
    503: {"description": "Kafka did not confirm; nothing was saved"},
}


@router.get("/{cif:id}", response_model=CaseView, responses=NOT_FOUND)
def read_case(cif: CifPath, user: CurrentUser, conn: ConnDep) -> CaseView:
    """The case (any role that may see the customer; 404 otherwise): state, recovery ability, notes, the
    open follow-up date from the actions, and the version to name when saving (0: never saved)."""
    return service.read(conn, user, cif)


@router.put("/{cif:id}", response_model=CaseView, responses={**NOT_FOUND, **_STALE})
def save_case(
    cif: CifPath,
    body: CaseUpdate,
    user: CaseWorker,
    conn: ConnDep,
    loaded: DictionariesDep,
    publisher: PublisherDep,
    resources: ResourcesDep,
) -> CaseView:
    """Save the case as the next version (agents: their customers'; supervisors: their team's). The state,
    substate and recovery ability are codes of the `case_states`, `case_substates` and
    `recovery_abilities` dictionaries (422 otherwise); `version` is the one it was based on (409 when
    someone saved since). Audited as `case.update` with what changed. The statuses are published to
    `crm.cases`, where campaign conditions read them (`case.state`, `case.substate`,
    `case.recovery_ability`); 503 when Kafka did not confirm, and nothing is saved. Screens showing the
    customer hear of it (a live `customer` event)."""
    saved = service.save(conn, publisher, user, cif, body, loaded)
    announce_saved(conn, resources.redis, resources.settings.namespace, cif, "case", saved.version)
    return saved

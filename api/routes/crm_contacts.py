"""The contacts agents added to a customer: phones and emails learned on a call or a visit."""

from __future__ import annotations

from fastapi import APIRouter

from api.customer_events import announce_saved
from api.deps import ConnDep, CurrentUser, PublisherDep, RequireRole, ResourcesDep
from api.documented_errors import NOT_FOUND
from api.exact_json import ExactJsonRoute
from api.routes.actions import ACTION_RECORDERS
from api.routes.customers import CifPath
from api.services import crm_contacts as service
from contracts.crm_contacts import CrmContactsUpdate, CrmContactsView

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/contacts", tags=["contacts"])
ContactKeeper = RequireRole(*ACTION_RECORDERS)  # who works the customer records actions and adds contacts
_SAVE_FAILURES = {
    409: {"description": "saved by someone else since the version the body is based on"},
    503: {"description": "Kafka did not confirm; nothing was saved"},
}


@router.get("/{cif:id}", response_model=CrmContactsView, responses=NOT_FOUND)
def read_contacts(cif: CifPath, user: CurrentUser, conn: ConnDep) -> CrmContactsView:
    """The phones and emails agents added to the customer (any role that may see the customer; 404
    otherwise), and the version to name when saving (0: none saved yet). The bank's own contacts are in
    the 360 view's `contacts`, read-only."""
    return service.read(conn, user, cif)


@router.put("/{cif:id}", response_model=CrmContactsView, responses={**NOT_FOUND, **_SAVE_FAILURES})
def save_contacts(
    cif: CifPath,
    body: CrmContactsUpdate,
    user: ContactKeeper,
    conn: ConnDep,
    publisher: PublisherDep,
    resources: ResourcesDep,
) -> CrmContactsView:
    """Save the whole list as the next version (agents: their customers'; supervisors: their team's): at
    most 10 phones and 10 emails, each listed once. `version` is the one it was based on (409 when someone
    saved since); a save that changes nothing keeps the version. Published to `crm.contacts`, from which
    the campaigns' contact rules select them like the customer's own (within seconds); audited as
    `contacts.update` with what was added, removed and changed. Screens showing the customer hear of it
    (a live `customer` event)."""
    saved = service.save(conn, publisher, user, cif, body)
    if saved.version != body.version:  # saved, not a save that changed nothing
        announce_saved(conn, resources.redis, resources.settings.namespace, cif, "contacts", saved.version)
    return saved

"""The code dictionaries (admin): read them with where they come from, and save a new version."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import AdminUser, ConnDep
from api.exact_json import ExactJsonRoute
from api.services import dictionaries as service
from contracts.writes import DictionariesAdmin, DictionariesUpdate

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/admin/dictionaries", tags=["admin: dictionaries"])
_STALE = {409: {"description": "another save came after the version the body is based on; nothing changed"}}


@router.get("", response_model=DictionariesAdmin)
def read_dictionaries(_admin: AdminUser, conn: ConnDep, request: Request) -> DictionariesAdmin:
    """The dictionaries in force, where they come from (`built-in`, `file`, or `saved` by an admin), the
    version to name when saving, and the codes that cannot be removed."""
    book: service.DictionaryBook = request.app.state.dictionaries
    return book.admin_view(book.read(conn))


@router.put("", response_model=DictionariesAdmin, responses=_STALE)
def save_dictionaries(
    body: DictionariesUpdate, admin: AdminUser, conn: ConnDep, request: Request
) -> DictionariesAdmin:
    """Replace every dictionary (in form order) as the next version; from then on they replace the file.
    422 naming the dictionary for an empty one, a code twice, or a removed code the contact rules act on
    (`CALL`, `CEASE_COMMUNICATION`, `DISPUTE`, `DISPUTE_RESOLVED`: their labels may change)."""
    return service.save(conn, request.app.state.dictionaries, body, admin.username)

"""Logins (admin): list, read, create or change, deactivate. Tokens already issued stay valid until they
expire (at most 15 minutes): requests are authorised from the token alone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import AdminUser, ConnDep, ContainingQuery, IfNoneMatch, OffsetQuery, create_only
from api.documented_errors import CREATE_ONLY, NOT_FOUND
from api.errors import NotFound, field_error
from api.exact_json import ExactJsonRoute
from api.queries import users
from api.services import users as service
from contracts.admin import Role, UserAdminView, UserSave

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/admin/users", tags=["admin: users"])
UsernamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._@-]{1,64}$")]


@router.get("", response_model=list[UserAdminView])
def list_users(
    _admin: AdminUser,
    conn: ConnDep,
    role: Role | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: OffsetQuery = 0,
    containing: ContainingQuery = None,
) -> list[dict]:
    """Logins in username order; `q` keeps those whose username or agent id holds it (any case)."""
    return users.list_users(conn, role, limit, offset, containing)


@router.get("/{username}", response_model=UserAdminView, responses=NOT_FOUND)
def get_user(username: UsernamePath, _admin: AdminUser, conn: ConnDep) -> dict:
    found = users.get_user_view(conn, username)
    if found is None:
        raise NotFound(f"no login {username!r}")
    return found


@router.put(
    "/{username}",
    response_model=UserAdminView,
    responses={201: {"model": UserAdminView, "description": "Created"}, **CREATE_ONLY},
)
def save_user(
    username: UsernamePath,
    body: UserSave,
    admin: AdminUser,
    conn: ConnDep,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> UserAdminView:
    """Create the login (201; `password` required) or change it (200; a `password` replaces the old one).
    With `If-None-Match: *` only create: 412 when the login exists. An agent login's `agent_id` must be an
    existing agent (422)."""
    if username == admin.username and (body.role is not Role.ADMIN or not body.active):
        raise field_error("role", "you cannot take away your own admin role or deactivate yourself")
    saved, created = service.save_user(conn, username, body, admin.username, create_only(if_none_match))
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return saved


@router.delete("/{username}", response_model=UserAdminView, responses=NOT_FOUND)
def deactivate_user(username: UsernamePath, admin: AdminUser, conn: ConnDep) -> UserAdminView:
    """Deactivate the login: it can no longer log in (its current token lasts until it expires)."""
    if username == admin.username:
        raise field_error("username", "you cannot deactivate yourself")
    return service.deactivate_user(conn, username, admin.username)

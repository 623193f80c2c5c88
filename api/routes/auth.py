"""Logging in (OAuth2 password flow) and who the token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import ConnDep, CurrentUser, ResourcesDep
from api.exact_json import ExactJsonRoute
from api.security import ACCESS_TOKEN_TTL, issue_token
from api.services.auth import login, renew
from contracts.admin import UserPublic
from contracts.api import Token

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=Token,
    responses={401: {"description": "Wrong username or password"}, 429: {"description": "Throttled"}},
)
def issue_access_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    conn: ConnDep,
    resources: ResourcesDep,
    request: Request,
) -> Token:
    """Form fields `username` and `password`; returns a bearer token valid for `expires_in` seconds."""
    client = request.client.host if request.client else None
    principal = login(conn, form.username, form.password, client)
    token = issue_token(resources.jwt_secret, principal)
    return Token(access_token=token, expires_in=int(ACCESS_TOKEN_TTL.total_seconds()))


@router.post(
    "/refresh",
    response_model=Token,
    responses={401: {"description": "No valid token, or the login is no longer active"}},
)
def renew_access_token(user: CurrentUser, conn: ConnDep, resources: ResourcesDep) -> Token:
    """A new token for the caller's valid one, with the login's role, agent and team as stored now: the web
    app renews while its user is active, so a token's 15 minutes bound idleness, not a working session."""
    token = issue_token(resources.jwt_secret, renew(conn, user.username))
    return Token(access_token=token, expires_in=int(ACCESS_TOKEN_TTL.total_seconds()))


@router.get("/me", response_model=UserPublic)
async def who_am_i(user: CurrentUser) -> UserPublic:
    return UserPublic(username=user.username, role=user.role, agent_id=user.agent_id, team=user.team)

"""Logging in: password check with throttling of repeated failures."""

from __future__ import annotations

import psycopg

from api.errors import TooManyRequests, Unauthorized
from api.queries import users
from api.security import Principal, dummy_hash, hash_password, needs_rehash, verify_password

MAX_FAILURES = 5
WINDOW_S = 15 * 60  # five failures within 15 minutes lock the login until the oldest of them is 15 min old


def login(conn: psycopg.Connection, username: str, password: str, client: str | None) -> Principal:
    """The principal for valid credentials; 401 otherwise, 429 (with Retry-After) while throttled.

    Failures are counted per username whether it exists or not, and an unknown name costs the same
    password check, so neither the answer nor its timing tells which logins exist.
    """
    locked_for = users.seconds_locked(conn, username, MAX_FAILURES, WINDOW_S)
    if locked_for:
        raise TooManyRequests(
            f"too many failed logins for this user; try again in {locked_for} s",
            headers={"Retry-After": str(locked_for)},
        )
    user = users.get_user(conn, username)
    valid = verify_password(user.password_hash if user else dummy_hash(), password)
    if not (valid and user and user.active):
        users.record_failure(conn, username, client, WINDOW_S)
        raise Unauthorized("incorrect username or password")
    users.clear_failures(conn, username)
    if needs_rehash(user.password_hash):  # parameters got stronger since it was stored
        users.set_password_hash(conn, username, hash_password(password))
    return Principal(user.username, user.role, user.agent_id, user.team)


def renew(conn: psycopg.Connection, username: str) -> Principal:
    """The principal of a login that holds a valid token, as it is stored now (its role, agent or team may
    have changed meanwhile); 401 once it is deactivated or gone, so renewal never outlives the login."""
    user = users.get_user(conn, username)
    if user is None or not user.active:
        raise Unauthorized("this login is no longer active; log in again")
    return Principal(user.username, user.role, user.agent_id, user.team)

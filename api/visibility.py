"""Who may see which customer: agents their assigned customers, supervisors their team's (or every team's
when their login has none), admins and integrations everything. Every read of a customer goes through
here, so that the rule is written once; an unseen customer answers 404, so existence does not leak."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from api.errors import NotFound
from api.security import Principal
from contracts.admin import Role


@dataclass(frozen=True)
class Scope:
    """The customers a caller may see: all of them, or those of one agent or one team (current agents)."""

    agent_id: str | None = None
    team: str | None = None

    @property
    def everything(self) -> bool:
        return self.agent_id is None and self.team is None


# An agent login without an agent id sees nobody: a value no agent id can take (ids match
# contracts.common.Identifier, without brackets or spaces), and one PostgreSQL accepts as a parameter (the
# NUL byte this was once made of is refused in text, which failed every read such a login made).
NOTHING_AGENT = "(no agent id)"


def scope_of(user: Principal) -> Scope:
    if user.role is Role.AGENT:
        return Scope(agent_id=user.agent_id or NOTHING_AGENT)
    if user.role is Role.SUPERVISOR and user.team is not None:
        return Scope(team=user.team)
    return Scope()


# The customer rule as a SQL condition on ``c.cif``, for statements that check it themselves (the 360 view);
# its parameters are :func:`visibility_parameters`. A customer is seen by a caller who sees everything, or
# when one of its current assignments is the caller's agent's or team's (a NULL never matches).
CUSTOMER_VISIBLE = """(%(see_everything)s OR EXISTS (
    SELECT 1 FROM agent_assignments a
    WHERE a.cif = c.cif AND a.valid_to IS NULL AND (a.agent_id = %(see_agent)s OR a.team = %(see_team)s)))"""


def visibility_parameters(scope: Scope) -> dict[str, object]:
    return {"see_everything": scope.everything, "see_agent": scope.agent_id, "see_team": scope.team}


def may_see_customer(conn: psycopg.Connection, user: Principal, cif: str) -> bool:
    """One indexed read of the customer's current assignments (none for callers who see everything)."""
    scope = scope_of(user)
    if scope.everything:
        return True
    row = conn.execute(
        f"SELECT {CUSTOMER_VISIBLE} FROM (SELECT %(cif)s::text AS cif) AS c",
        {"cif": cif, **visibility_parameters(scope)},
    ).fetchone()
    return bool(row[0])


def require_customer(conn: psycopg.Connection, user: Principal, cif: str) -> None:
    """NotFound (404) unless the customer exists and the caller may see them, for routes that act on a
    customer without reading the 360 view (which checks both in its own statement)."""
    known = conn.execute("SELECT 1 FROM customers WHERE cif = %s", (cif,)).fetchone() is not None
    if not known or not may_see_customer(conn, user, cif):
        raise NotFound(f"no customer {cif!r}")


AGENT_OF_TEAM = "SELECT 1 FROM agents WHERE agent_id = %s AND config ->> 'team' = %s"


def sees_agent_without_database(scope: Scope, agent_id: str) -> bool | None:
    """`may_see_agent` for callers whose answer needs no query; None for a team's, which is in the table."""
    if scope.team is not None:
        return None
    return scope.everything or scope.agent_id == agent_id


def may_see_agent(conn: psycopg.Connection, user: Principal, agent_id: str) -> bool:
    """Whether the caller may read an agent's queue and workload: their own, their team's, or any."""
    scope = scope_of(user)
    answer = sees_agent_without_database(scope, agent_id)
    if answer is not None:
        return answer
    return conn.execute(AGENT_OF_TEAM, (agent_id, scope.team)).fetchone() is not None


async def may_see_agent_async(conn: psycopg.AsyncConnection, user: Principal, agent_id: str) -> bool:
    """:func:`may_see_agent` on the event loop."""
    scope = scope_of(user)
    answer = sees_agent_without_database(scope, agent_id)
    if answer is not None:
        return answer
    cursor = await conn.execute(AGENT_OF_TEAM, (agent_id, scope.team))
    return await cursor.fetchone() is not None


TEAM_AGENTS = "SELECT agent_id FROM agents WHERE config ->> 'team' = %s"


class TeamMembers:
    """Per API worker: each team's agents, as last read from PostgreSQL, for ``ttl_s``.

    A team supervisor's every read of an agent's queue asks whether the agent is in their team. Asking
    PostgreSQL each time made those reads the slow tenth under load (p90 70 ms against 6 ms), and so did
    keeping each (team, agent) answer: they expired together, and each miss waited 60 ms on average for a
    connection of the asyncio pool. So a team's members are read at once, by one query in flight per team
    whatever the number of requests waiting for it, and kept ``ttl_s``. An agent moved to another team is
    therefore still visible to the old team's supervisor for up to ``ttl_s`` on the workers that read the
    team just before (the live events re-read a team every `api.events.TEAM_REFRESH_S`, a minute); the
    worker that records the move forgets at once."""

    TTL_S = 5.0
    MAX_TEAMS = 10_000  # all are forgotten when reached

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self._clock = ttl_s, clock
        self._teams: dict[str, tuple[float, frozenset[str]]] = {}  # team → (read until, its agents)
        self._loading: dict[str, asyncio.Future[frozenset[str]]] = {}
        self._generation = 0  # moves at each forget(): a read that started before is not kept

    async def contains(self, conn_of, team: str, agent_id: str) -> bool:
        """``conn_of()``: an async context manager giving an asyncio connection (a pool's ``connection``),
        entered only when the team's members are not known. Database errors propagate."""
        known = self._teams.get(team)
        if known is not None and self._clock() < known[0]:
            return agent_id in known[1]
        loading = self._loading.get(team)
        if loading is None:
            loading = asyncio.ensure_future(self._load(conn_of, team))
            self._loading[team] = loading
            loading.add_done_callback(lambda done: self._loaded(team, done))
        # shielded: a request that gives up (a client gone) does not cancel the others' read
        return agent_id in await asyncio.shield(loading)

    async def _load(self, conn_of, team: str) -> frozenset[str]:
        started, generation = self._clock(), self._generation
        async with conn_of() as conn:
            cursor = await conn.execute(TEAM_AGENTS, (team,))
            members = frozenset(agent_id for (agent_id,) in await cursor.fetchall())
        if generation == self._generation:
            if len(self._teams) >= self.MAX_TEAMS:
                self._teams.clear()
            self._teams[team] = (started + self.ttl_s, members)
        return members

    def _loaded(self, team: str, done: asyncio.Future) -> None:
        self._loading.pop(team, None)
        if not done.cancelled():
            done.exception()  # retrieved here too: its awaiters may all have gone

    def forget(self) -> None:
        """An agent was changed by this worker (rare): read the teams again. Called from a worker thread:
        one assignment and an increment, no iteration a request on the event loop could disturb."""
        self._generation += 1
        self._teams = {}

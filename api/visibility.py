"""Who may see which customer: agents their assigned customers, supervisors their team's (or every team's
when their login has none), admins and integrations everything. Every read of a customer goes through
here, so that the rule is written once; an unseen customer answers 404, so existence does not leak."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

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


NOTHING_AGENT = "\x00none"  # an agent login without an agent id sees nobody


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


class TeamMembers:
    """Per API worker: whether an agent is in a team, as last read from PostgreSQL, for ``ttl_s``.

    A team supervisor's every read of an agent's queue asks it; asking PostgreSQL each time was the slow
    tenth of queue reads (p90 70 ms under load against 6 ms for the rest). An agent moved to another team
    is therefore still visible to the old team's supervisor for up to ``ttl_s`` on the workers that asked
    just before (the live events re-read a team every `api.events.TEAM_REFRESH_S`, a minute); the worker
    that records the move forgets at once."""

    TTL_S = 5.0
    MAX_ANSWERS = 100_000  # (team, agent) pairs; all are forgotten when reached

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self._clock = ttl_s, clock
        self._answers: dict[tuple[str, str], tuple[float, bool]] = {}

    async def contains(self, conn_of, team: str, agent_id: str) -> bool:
        """``conn_of()``: an async context manager giving an asyncio connection (a pool's ``connection``),
        entered only when the answer is not known."""
        key, now = (team, agent_id), self._clock()
        known = self._answers.get(key)
        if known is not None and now < known[0]:
            return known[1]
        async with conn_of() as conn:
            cursor = await conn.execute(AGENT_OF_TEAM, (agent_id, team))
            answer = await cursor.fetchone() is not None
        if len(self._answers) >= self.MAX_ANSWERS:
            self._answers.clear()
        self._answers[key] = (now + self.ttl_s, answer)
        return answer

    def forget(self) -> None:
        """An agent was changed by this worker (rare): ask again. Safe from a worker thread (one
        assignment; a request on the event loop may still fill the old dict)."""
        self._answers = {}

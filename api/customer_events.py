"""Live ``customer`` events: a case or the contacts agents added, saved through the API, so that the other
screens showing that customer (their agents', their team supervisors', admins') show it without a reload.

The event goes on the live-events stream that ``GET /api/events`` reads (``{ns}events``, where the queues
processor puts queue events), one entry per current agent of the customer naming that agent, so each
caller's audience filter applies unchanged: agents hear of their own customers, supervisors of their team's
agents' customers, admins of everyone (an entry naming no agent, for a customer without one, reaches admins
only)::

    {"type": "customer", "cif": "C-1", "agent_id": "A-17", "changed": "case", "version": 3}

Sent after the save has committed; a Redis failure is logged and the save stands (the other screens then
show it on their next read, as before).
"""

from __future__ import annotations

import logging

import psycopg
import redis
from redis.exceptions import RedisError

from sinks.redis import EVENTS_MAX_LEN, events_stream_key, stream_fields

log = logging.getLogger(__name__)
CURRENT_AGENTS = (
    "SELECT DISTINCT agent_id FROM agent_assignments"
    " WHERE cif = %s AND valid_to IS NULL AND agent_id IS NOT NULL"
)


def announce_saved(
    conn: psycopg.Connection, client: redis.Redis, namespace: str, cif: str, changed: str, version: int
) -> None:
    """Tell the customer's screens that ``changed`` (``case`` or ``contacts``) is at ``version`` now."""
    agents = sorted(agent_id for (agent_id,) in conn.execute(CURRENT_AGENTS, (cif,)).fetchall())
    event = {"type": "customer", "cif": cif, "changed": changed, "version": version}
    try:
        with client.pipeline(transaction=False) as pipe:
            for agent_id in agents or [None]:
                named = event if agent_id is None else {**event, "agent_id": agent_id}
                pipe.xadd(
                    events_stream_key(namespace),
                    stream_fields(named),
                    maxlen=EVENTS_MAX_LEN,
                    approximate=True,
                )
            pipe.execute()
    except RedisError as error:
        log.warning(
            "customer event not sent", extra={"cif": cif, "changed": changed, "error": str(error)[:200]}
        )

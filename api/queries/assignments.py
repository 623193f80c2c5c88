"""What a reassignment is checked against: the customer's seats in the pools, what allocation matches agents
on, and the pools' agents with their loads (all as the sinks last wrote them)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from contracts.agents import AgentConfig
from processors.allocation.logic import SEQ_STRIDE  # a stay's seq: episode × SEQ_STRIDE + change


@dataclass(frozen=True, slots=True)
class Seat:
    """A customer's place in one team's pool of one agent type: in a campaign, with an agent or waiting."""

    cif: str
    agent_type: str
    team: str
    campaign_id: str
    agent_id: str | None
    episode: int


@dataclass(frozen=True, slots=True)
class Facts:
    """What allocation matches agents on (`StrategyAssignment`): the campaigns, the bucket, the products."""

    campaigns: list[dict]
    bucket: str | None
    products: list[str]


_SEATS = """
SELECT cif, agent_type, team, campaign_id, agent_id, seq FROM agent_assignments
WHERE cif = ANY(%s) AND valid_to IS NULL AND team IS NOT NULL AND campaign_id IS NOT NULL
ORDER BY cif, agent_type"""

_FACTS = """
SELECT c.cif, s.campaigns, d.bucket,
       ARRAY(SELECT DISTINCT l.product_type FROM loans l WHERE l.cif = c.cif ORDER BY 1)
FROM unnest(%s::text[]) AS c(cif)
LEFT JOIN strategy_assignments s ON s.cif = c.cif
LEFT JOIN customer_delinquency d ON d.cif = c.cif"""

# Each agent's load: its current assignments (one index range per agent: agent_assignments_agent_idx).
_POOL = """
SELECT g.config,
       (SELECT count(*) FROM agent_assignments a WHERE a.agent_id = g.agent_id AND a.valid_to IS NULL)
FROM agents g
WHERE g.config ->> 'team' = %s AND g.config ->> 'type' = %s
ORDER BY g.agent_id"""

_MEMBERS = """
SELECT cif FROM agent_assignments
WHERE agent_id = %s AND agent_type = %s AND valid_to IS NULL
ORDER BY valid_from DESC, cif DESC"""


def seats(conn: psycopg.Connection, cifs: list[str]) -> list[Seat]:
    rows = conn.execute(_SEATS, (cifs,)).fetchall()
    return [Seat(cif, t, team, c, a, seq // SEQ_STRIDE) for cif, t, team, c, a, seq in rows]


def facts(conn: psycopg.Connection, cifs: list[str]) -> dict[str, Facts]:
    rows = conn.execute(_FACTS, (cifs,)).fetchall()
    return {cif: Facts(campaigns or [], bucket, list(products)) for cif, campaigns, bucket, products in rows}


def pool(conn: psycopg.Connection, team: str, agent_type: str) -> list[tuple[AgentConfig, int]]:
    """The agents of a pool, by agent_id, each with its load."""
    rows = conn.execute(_POOL, (team, agent_type)).fetchall()
    return [(AgentConfig.model_validate(config), load) for config, load in rows]


def load(conn: psycopg.Connection, agent_id: str) -> int:
    """How many customers the agent has now (one index range: agent_assignments_agent_idx)."""
    query = "SELECT count(*) FROM agent_assignments WHERE agent_id = %s AND valid_to IS NULL"
    return conn.execute(query, (agent_id,)).fetchone()[0]


def members(conn: psycopg.Connection, agent_id: str, agent_type: str) -> list[str]:
    """An agent's customers, the most recently given first."""
    return [cif for (cif,) in conn.execute(_MEMBERS, (agent_id, agent_type)).fetchall()]

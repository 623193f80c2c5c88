"""Creating, changing and deactivating agents."""

from __future__ import annotations

import psycopg

from api.errors import NotFound, PreconditionFailed
from api.publishing import Publisher, agent_message
from api.queries import agents, audit
from contracts.admin import AgentPublic
from contracts.agents import AgentConfig


def save_agent(
    conn: psycopg.Connection, publisher: Publisher, config: AgentConfig, actor: str, create_only: bool = False
) -> tuple[AgentPublic, bool]:
    """Store and publish to config.agents, all or nothing; returns the stored agent and whether it is new.
    ``create_only``: an agent that exists already is left as it is (PreconditionFailed, 412)."""
    with conn.transaction():
        stored, created = agents.upsert_agent(conn, config, actor)
        if create_only and not created:  # raised inside the transaction: the upsert is rolled back
            raise PreconditionFailed(f"agent {config.agent_id!r} already exists")
        action = "agent.create" if created else "agent.update"
        audit.record(conn, actor, action, f"agent:{config.agent_id}", config.model_dump(mode="json"))
        publisher.publish([agent_message(config)])
    return stored, created


def deactivate_agent(
    conn: psycopg.Connection, publisher: Publisher, agent_id: str, actor: str
) -> AgentPublic:
    """Set active = false (never a delete: assignments and history keep referring to the agent)."""
    with conn.transaction():
        current = agents.get_agent(conn, agent_id, for_update=True)
        if current is None:
            raise NotFound(f"no agent {agent_id!r}")
        fields = current.model_dump(mode="json", exclude={"updated_at", "updated_by"})
        config = AgentConfig.model_validate({**fields, "active": False})
        stored, _ = agents.upsert_agent(conn, config, actor)
        audit.record(conn, actor, "agent.deactivate", f"agent:{agent_id}", {})
        publisher.publish([agent_message(config)])
    return stored

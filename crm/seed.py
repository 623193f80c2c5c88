"""Configuration for a fresh installation or the demo: agents and the default strategy, stored and
published exactly as the admin API does it (PostgreSQL row, audit record, confirmed Kafka message).

What PostgreSQL already holds unchanged is not published again, unless its topic never held a message: a
reset Kafka, or a namespace of its own (`CRM_NAMESPACE`) over the same database, would otherwise leave
the processors without agents or strategy, and every queue empty."""

from __future__ import annotations

from pathlib import Path

import orjson
import psycopg

from crm.errors import CrmError
from crm.settings import Settings
from topics.clients import topic_written

ACTOR = "crm-seed"


def seed_agents(settings: Settings, agents_file: Path) -> int:
    """Store and publish every agent of a `config.agents` JSONL file; returns how many changed."""
    from api.publishing import Publisher, make_api_producer
    from api.queries.agents import get_agent
    from api.services.agents import save_agent
    from contracts.agents import AgentConfig

    publisher = Publisher(make_api_producer(settings), settings)
    changed = 0
    unpublished = not topic_written(settings, "config.agents")
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        for line in agents_file.read_bytes().splitlines():
            config = AgentConfig.model_validate_json(line)
            current = get_agent(conn, config.agent_id)
            known = current.model_dump(exclude={"updated_at", "updated_by"}) if current else None
            if known is not None and AgentConfig.model_validate(known) == config and not unpublished:
                continue  # unchanged: nothing to publish again
            save_agent(conn, publisher, config, ACTOR)
            changed += 1
    return changed


def seed_strategy(settings: Settings, groups: list[dict], strategy_id: str = "default") -> int:
    """Publish ``groups`` as a new version of the strategy unless it is already the current one; returns the
    current version."""
    from fastapi.exceptions import RequestValidationError

    from api.errors import error_detail
    from api.publishing import Publisher, make_api_producer
    from api.queries.strategies import current_strategy
    from api.services.dictionaries import DictionaryBook, load_dictionaries
    from api.services.strategies import publish_strategy
    from contracts.admin import StrategyUpdate

    update = StrategyUpdate.model_validate({"groups": groups})
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        current = current_strategy(conn, strategy_id)
        if (
            current is not None
            and topic_written(settings, "config.strategies")
            and orjson.dumps([g.model_dump(mode="json") for g in current.groups])
            == orjson.dumps([g.model_dump(mode="json") for g in update.groups])
        ):
            return current.version
        book = DictionaryBook(load_dictionaries(settings.dictionaries_file), from_file=False)
        book.read(conn)  # an admin's saved dictionaries, else the file's, else the built-in ones
        publisher = Publisher(make_api_producer(settings), settings)
        try:
            return publish_strategy(conn, publisher, strategy_id, update, ACTOR, book.known).version
        except RequestValidationError as refused:  # e.g. it names a case state the saved dictionaries lack
            details = [error_detail(error) for error in refused.errors()]
            problems = "; ".join(f"{detail['field']}: {detail['msg']}" for detail in details)
            raise CrmError(f"strategy {strategy_id!r} was refused: {problems}") from None

"""Publishing a strategy version and requesting a re-evaluation."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
from pydantic import ValidationError

from api.errors import NotFound, body_validation_error
from api.publishing import Publisher, strategy_message
from api.queries import audit, strategies
from contracts.admin import ReevaluationAccepted, StrategyPublic, StrategyUpdate


def publish_strategy(
    conn: psycopg.Connection, publisher: Publisher, strategy_id: str, update: StrategyUpdate, actor: str
) -> StrategyPublic:
    """Store version = current + 1 and publish it to config.strategies; all or nothing.

    Publishers of one strategy are serialised by a lock held until commit, so two concurrent updates get
    consecutive versions and reach the topic in version order.
    """
    try:
        update.to_config(strategy_id, 1, datetime.now(UTC))  # what only the whole strategy can see
    except ValidationError as error:
        raise body_validation_error(error) from None
    with conn.transaction():
        strategies.lock_strategy(conn, strategy_id)
        version = strategies.latest_version(conn, strategy_id) + 1
        config = update.to_config(strategy_id, version, datetime.now(UTC))
        strategies.insert_version(conn, config, actor)
        audit.record(conn, actor, "strategy.publish", f"strategy:{strategy_id}", {"version": version})
        publisher.publish([strategy_message(config)])  # raises PublishFailed: the transaction rolls back
    return StrategyPublic.model_validate({**config.model_dump(mode="json"), "published_by": actor})


def request_reevaluation(
    conn: psycopg.Connection, publisher: Publisher, strategy_id: str, actor: str
) -> ReevaluationAccepted:
    version = strategies.latest_version(conn, strategy_id)
    if not version:
        raise NotFound(f"strategy {strategy_id!r} has no published version")
    with conn.transaction():
        audit.record(conn, actor, "strategy.reevaluate", f"strategy:{strategy_id}", {"version": version})
        return publisher.request_reevaluation(strategy_id, version)

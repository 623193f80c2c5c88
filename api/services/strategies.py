"""Publishing a strategy version and requesting a re-evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
from pydantic import ValidationError

from api.errors import NotFound, body_validation_error, fields_error
from api.publishing import Publisher, strategy_message
from api.queries import audit, strategies
from contracts.admin import ReevaluationAccepted, StrategyPublic, StrategyUpdate
from contracts.strategies import GroupIn, conditions_with_places
from domain.dictionaries import CASE_FIELDS, Dictionaries
from domain.strategy import MEMBERSHIP, Operator

# The case's fields hold only codes their dictionaries had when an agent saved them (the cases API refuses
# others), so a condition naming another code could never match. A customer's segment and status come from
# the bank's feed unchecked: a code not (yet) in their dictionaries may still be a real one.
CHECKED_CODES = {f"case.{field}": dictionary for field, dictionary in CASE_FIELDS.items()}
# The operators whose values are codes (LIKE's is a pattern; the null tests take none; ordering is refused).
NAMING_CODES = frozenset({Operator.EQ, Operator.NE, *MEMBERSHIP})


def named_case_codes(groups: list[GroupIn]) -> Iterator[tuple[str, str, str, list[str]]]:
    """``(place, field, dictionary, codes)`` of each condition of ``groups`` naming codes of a case field."""
    for place, condition in conditions_with_places(groups):
        dictionary = CHECKED_CODES.get(condition.field)
        if dictionary is not None and condition.operator in NAMING_CODES:
            values = condition.value if isinstance(condition.value, list) else [condition.value]
            yield place, condition.field, dictionary, values


def unknown_condition_codes(update: StrategyUpdate, dictionaries: Dictionaries) -> list[tuple[str, str]]:
    """``(field, reason)`` for each condition value on a case field that its dictionary does not hold."""
    problems = []
    for place, field, dictionary, values in named_case_codes(update.groups):
        codes = dictionaries.codes(dictionary)
        if unknown := [value for value in values if value not in codes]:
            allowed = ", ".join(entry.code for entry in getattr(dictionaries, dictionary))
            shown = ", ".join(repr(value) for value in unknown)
            problems.append(
                (
                    f"{place}.value",
                    f"{field} has no code {shown} (dictionary {dictionary}: {allowed})",
                )
            )
    return problems


def strategies_naming(conn: psycopg.Connection, removed: dict[str, set[str]]) -> Iterator[tuple[str, str]]:
    """``(dictionary, reason)`` for each code of ``removed`` (dictionary → codes) that a live strategy's
    condition names: without it the condition silently keeps matching the cases that still hold it, and
    the strategy could not be published again as it stands."""
    for dictionary, code, named in _live_case_codes(conn):
        if code in removed.get(dictionary, ()):
            yield dictionary, f"{code} cannot be removed: {named}; change the strategy first"


def strategies_naming_unknown(conn: psycopg.Connection, dictionaries: Dictionaries) -> Iterator[str]:
    """Why each case code a live strategy's condition names is not in ``dictionaries`` (those of a file
    changed since the strategy was published), in words."""
    for dictionary, code, named in _live_case_codes(conn):
        if code not in dictionaries.codes(dictionary):
            yield f"{dictionary} lacks {code}: {named}"


def _live_case_codes(conn: psycopg.Connection) -> Iterator[tuple[str, str, str]]:
    """``(dictionary, code, where in words)`` of each case code a live strategy's condition names."""
    for strategy in strategies.current_strategies(conn):
        for place, _field, dictionary, values in named_case_codes(strategy.groups):
            named = f"strategy {strategy.strategy_id!r} (version {strategy.version}) names it at {place}"
            for code in sorted(set(values)):
                yield dictionary, code, named


def publish_strategy(
    conn: psycopg.Connection,
    publisher: Publisher,
    strategy_id: str,
    update: StrategyUpdate,
    actor: str,
    dictionaries: Dictionaries,
) -> StrategyPublic:
    """Store version = current + 1 and publish it to config.strategies; all or nothing.

    Publishers of one strategy are serialised by a lock held until commit, so two concurrent updates get
    consecutive versions and reach the topic in version order.
    """
    try:
        update.to_config(strategy_id, 1, datetime.now(UTC))  # what only the whole strategy can see
    except ValidationError as error:
        raise body_validation_error(error) from None
    if problems := unknown_condition_codes(update, dictionaries):
        raise fields_error(problems)
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

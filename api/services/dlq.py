"""Dead letters for the admin API: per-topic counts, pages of records, re-drive (audited).

The work is `infra.dead_letters` (reading the topics) and `infra.redrive` (re-producing once, recorded in
``dlq_redrives``), shared with `crm dlq`; this module maps it to the API's contracts and errors.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import psycopg

from api.errors import NotFound, ServiceUnavailable, field_error
from api.queries import audit
from contracts.dlq import (
    DeadLetterPage,
    DeadLetterPublic,
    DeadLetterReason,
    DeadLetterTopicPublic,
    RedriveCreate,
    RedrivePublic,
    RedriveRedriven,
    RedriveSkipped,
)
from crm.errors import CrmError
from crm.settings import Settings
from infra import redrive as redriving
from infra.dead_letter_index import DeadLetterIndex
from infra.dead_letters import (
    BadSelection,
    StoredLetter,
    UnknownDeadLetterTopic,
    check_dlq_topic,
    dlq_topics,
    read_letters,
    redrivable,
    source_topic_of,
)

T = TypeVar("T")


def _read(read: Callable[..., T], *args) -> T:
    """``read(*args)`` from the broker, its failures as the API's errors."""
    try:
        return read(*args)
    except UnknownDeadLetterTopic as error:
        raise NotFound(str(error)) from None
    except CrmError as error:  # Kafka did not answer in time
        raise ServiceUnavailable(str(error)) from None


def known_topic(topic: str) -> str:
    try:
        return check_dlq_topic(topic)
    except UnknownDeadLetterTopic as error:
        raise NotFound(str(error)) from None


def overview(index: DeadLetterIndex, conn: psycopg.Connection) -> list[DeadLetterTopicPublic]:
    """Every dead-letter topic, looked at side by side (each is one consumer's round trips)."""
    topics = dlq_topics()
    with ThreadPoolExecutor(max_workers=len(topics)) as pool:
        summaries = dict(zip(topics, pool.map(lambda t: _read(index.summary, t), topics), strict=True))
    redriven = redriving.redriven_counts(conn)
    views = []
    for topic in topics:
        summary = summaries[topic]
        views.append(
            DeadLetterTopicPublic(
                topic=topic,
                source_topic=source_topic_of(topic),
                count=summary.count,
                redriven=redriven.get(topic, 0),
                oldest=summary.oldest,
                newest=summary.newest,
                reasons=_reasons(summary.reasons, summary.contract_failures),
            )
        )
    return views


def _reasons(counted: list[tuple[str, int]], contract_failures: frozenset[str]) -> list[DeadLetterReason]:
    return [
        DeadLetterReason(reason=r, count=c, redrivable=redrivable(r), failed_contract=r in contract_failures)
        for r, c in counted
    ]


def _public(stored: StoredLetter, done: set[tuple[int, int]]) -> DeadLetterPublic:
    return DeadLetterPublic(
        partition=stored.partition,
        offset=stored.offset,
        dead_lettered_at=stored.timestamp,
        redriven=(stored.partition, stored.offset) in done,
        reason=stored.reason,
        letter=stored.letter,
        failed_contract=stored.failed_contract,
    )


def page(
    index: DeadLetterIndex, conn: psycopg.Connection, topic: str, offset: int, limit: int
) -> DeadLetterPage:
    """Records ``offset`` to ``offset + limit`` of the topic, newest first, and the topic's reasons."""
    topic = known_topic(topic)
    found = _read(index.page, topic, offset, limit)
    done = redriving.redriven_positions(conn, topic)
    return DeadLetterPage(
        topic=topic,
        total=found.total,
        offset=offset,
        limit=limit,
        items=[_public(stored, done) for stored in found.letters],
        reasons=_reasons(found.reasons, found.contract_failures),
    )


def redrive(
    settings: Settings, conn: psycopg.Connection, topic: str, body: RedriveCreate, actor: str
) -> RedrivePublic:
    """Re-drive the chosen dead letters; the bookkeeping and the audit record commit together."""
    topic = known_topic(topic)
    letters = _read(read_letters, settings, topic)
    try:
        chosen = redriving.select(
            letters,
            positions=[(p.partition, p.offset) for p in body.positions] if body.positions else None,
            condition=f"reason~{body.reason}" if body.reason is not None else None,
            everything=body.all,
        )
    except BadSelection as error:
        raise field_error("positions", str(error)) from None
    with conn.transaction():
        result = redriving.redrive(settings, conn, topic, chosen, actor, dry_run=body.dry_run)
        if not body.dry_run:
            details = {
                "selection": body.model_dump(mode="json", exclude={"dry_run"}, exclude_none=True),
                "redriven": [[r.letter.partition, r.letter.offset] for r in result.redriven],
                "skipped": len(result.skipped),
                "failed": len(result.failed),
            }
            audit.record(conn, actor, "dlq.redrive", f"dlq:{topic}", details)
    return RedrivePublic(
        topic=topic,
        source_topic=source_topic_of(topic),
        dry_run=body.dry_run,
        redriven=[
            RedriveRedriven(
                partition=r.letter.partition,
                offset=r.letter.offset,
                key=r.letter.letter.key if r.letter.letter else None,
                new_partition=r.new_partition,
                new_offset=r.new_offset,
                failed_contract=r.failed_contract,
            )
            for r in result.redriven
        ],
        skipped=[_skipped(s) for s in result.skipped],
        failed=[_skipped(s) for s in result.failed],
    )


def _skipped(skipped: redriving.Skipped) -> RedriveSkipped:
    return RedriveSkipped(partition=skipped.letter.partition, offset=skipped.letter.offset, why=skipped.why)

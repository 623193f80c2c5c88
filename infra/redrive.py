"""Re-drive dead letters: produce each one's original key and bytes to its source topic again, once.

Every re-driven dead letter is recorded in ``dlq_redrives`` (migration 0014) after Kafka confirmed the
copy, so a second redrive skips it. A redrive holds a per-topic advisory lock for its whole run, so two
redrives of one topic (the command line and the admin page) never both produce the same dead letter. A
dead letter whose source message (topic, partition, offset) was already re-driven through another dead
letter is skipped too: a replay dead-letters the same bad message again at a new offset.

The one window left: the process dies after Kafka took a copy and before the commit of its row. A later
redrive then produces it again; the consumers of every inbound topic are idempotent by natural key
(payments by reference, actions by id, snapshots by version), so the duplicate changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg

from contracts.dlq import original_value
from crm.settings import Settings
from infra.dead_letters import BadSelection, StoredLetter, find, source_topic_of, where
from infra.locks import hold_until_commit
from topics import physical_name
from topics.clients import make_producer

DELIVERY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Redriven:
    letter: StoredLetter
    new_partition: int | None  # None in a dry run
    new_offset: int | None

    @property
    def failed_contract(self) -> bool:
        return self.letter.failed_contract


@dataclass(frozen=True)
class Skipped:
    letter: StoredLetter
    why: str


@dataclass
class RedriveResult:
    dlq_topic: str
    dry_run: bool
    redriven: list[Redriven] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Skipped] = field(default_factory=list)  # Kafka did not confirm: not recorded, try again


def select(
    letters: list[StoredLetter],
    *,
    positions: Iterable[tuple[int | None, int]] | None = None,
    condition: str | None = None,
    everything: bool = False,
) -> list[StoredLetter]:
    """The dead letters chosen by exactly one of: positions (partition or None, offset), a ``--where``
    condition, or everything."""
    if sum((positions is not None, condition is not None, everything)) != 1:
        raise BadSelection("choose the dead letters in one way: offsets, a where condition, or all")
    if positions is not None:
        return [find(letters, offset, partition) for partition, offset in positions]
    if condition is not None:
        return [s for s in letters if where(condition)(s)]
    return list(letters)


def redriven_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Dead-letter topic → how many of its dead letters were re-driven."""
    rows = conn.execute("SELECT dlq_topic, count(*) FROM dlq_redrives GROUP BY dlq_topic").fetchall()
    return dict(rows)


def redriven_positions(conn: psycopg.Connection, dlq_topic: str) -> set[tuple[int, int]]:
    rows = conn.execute(
        "SELECT dlq_partition, dlq_offset FROM dlq_redrives WHERE dlq_topic = %s", (dlq_topic,)
    ).fetchall()
    return set(rows)


def redrive_record(conn: psycopg.Connection, dlq_topic: str, partition: int, offset: int) -> tuple | None:
    """(source topic, partition and offset the copy landed at, who, when) of one re-driven dead letter."""
    return conn.execute(
        "SELECT source_topic, new_partition, new_offset, redriven_by, redriven_at FROM dlq_redrives"
        " WHERE dlq_topic = %s AND dlq_partition = %s AND dlq_offset = %s",
        (dlq_topic, partition, offset),
    ).fetchone()


def _redriven_sources(conn: psycopg.Connection, source_topic: str) -> set[tuple[str, int, int]]:
    rows = conn.execute(
        "SELECT source_topic, source_partition, source_offset FROM dlq_redrives WHERE source_topic = %s",
        (source_topic,),
    ).fetchall()
    return set(rows)


def _plan(
    dlq_topic: str, chosen: list[StoredLetter], done: set[tuple[int, int]], sources: set[tuple[str, int, int]]
) -> tuple[list[StoredLetter], list[Skipped]]:
    todo, skipped, seen = [], [], set(sources)
    for stored in chosen:
        if (stored.partition, stored.offset) in done:
            skipped.append(Skipped(stored, "already re-driven"))
        elif stored.letter is None:
            skipped.append(Skipped(stored, stored.reason))
        elif f"{stored.letter.source_topic}.dlq" != dlq_topic:
            skipped.append(Skipped(stored, f"names source topic {stored.letter.source_topic!r}"))
        elif (size := stored.letter.value_size) is not None:
            letter = stored.letter
            skipped.append(
                Skipped(
                    stored,
                    f"its original ({size:,} bytes) was too large to keep in the letter; it is at "
                    f"{letter.source_topic}[{letter.partition}]@{letter.offset} while that topic retains it",
                )
            )
        elif stored.source in seen:
            skipped.append(Skipped(stored, "its source message was already re-driven"))
        else:
            seen.add(stored.source)
            todo.append(stored)
    return todo, skipped


def redrive(
    settings: Settings,
    conn: psycopg.Connection,
    dlq_topic: str,
    chosen: list[StoredLetter],
    actor: str,
    *,
    dry_run: bool = False,
) -> RedriveResult:
    """Produce the chosen dead letters' originals to their source topic and record them, skipping those
    already re-driven. ``conn`` may be in autocommit mode or inside the caller's transaction (then the rows
    commit with it, e.g. with the caller's audit record)."""
    result = RedriveResult(dlq_topic, dry_run)
    with conn.transaction():
        # Held until commit: a concurrent redrive of this topic waits, then sees these rows.
        hold_until_commit(conn, f"dlq_redrive:{dlq_topic}")
        sources = source_topic_of(dlq_topic)
        todo, result.skipped = _plan(
            dlq_topic, chosen, redriven_positions(conn, dlq_topic), _redriven_sources(conn, sources)
        )
        if dry_run:
            result.redriven = [Redriven(stored, None, None) for stored in todo]
            return result
        if not todo:
            return result
        result.redriven, result.failed = produce_originals(settings, todo)
        _record(conn, dlq_topic, result.redriven, actor)
    return result


def produce_originals(
    settings: Settings, letters: list[StoredLetter]
) -> tuple[list[Redriven], list[Skipped]]:
    """Each letter's original key and bytes to its source topic; what Kafka confirmed, what it did not."""
    producer = make_producer(settings, **{"linger.ms": 5})
    delivered: list[Redriven] = []
    failed: list[Skipped] = []
    answered: set[int] = set()

    def report(stored: StoredLetter):
        def on_delivery(error, message) -> None:
            answered.add(id(stored))
            if error is not None:
                failed.append(Skipped(stored, f"Kafka refused it: {error}"))
            else:
                delivered.append(Redriven(stored, message.partition(), message.offset()))

        return on_delivery

    for stored in letters:
        letter = stored.letter
        assert letter is not None  # _plan skips unreadable ones
        producer.produce(
            physical_name(letter.source_topic, settings),
            value=original_value(letter),
            key=letter.key.encode() if letter.key is not None else None,
            on_delivery=report(stored),
        )
        producer.poll(0)
    producer.flush(DELIVERY_TIMEOUT_S)
    failed += [
        Skipped(s, f"no delivery report within {DELIVERY_TIMEOUT_S:.0f} s")
        for s in letters
        if id(s) not in answered
    ]
    return delivered, failed


def _record(conn: psycopg.Connection, dlq_topic: str, redriven: list[Redriven], actor: str) -> None:
    rows = []
    for done in redriven:
        stored = done.letter
        assert stored.source is not None
        rows.append(
            (
                dlq_topic,
                stored.partition,
                stored.offset,
                *stored.source,
                done.new_partition,
                done.new_offset,
                actor,
            )
        )
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO dlq_redrives (dlq_topic, dlq_partition, dlq_offset, source_topic, source_partition,"
            " source_offset, new_partition, new_offset, redriven_by)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            rows,
        )

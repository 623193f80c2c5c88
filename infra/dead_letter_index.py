"""What each dead-letter topic holds, kept current by reading only the letters added since the last look.

The admin API's overview and pages had read every record of a topic per request: 1.7 s and every parsed
letter in memory per 100,000 letters, each time an operator opened the page. A :class:`DeadLetterIndex`
keeps, per topic, one small row per letter (broker time, partition, offset, reason) and the next offset
to read in each partition; a look reads the new records only, a summary is counted from the rows, and a
page reads back its own letters' records alone (one short range per partition).

The broker stays the truth: a partition whose records were deleted (its start moved past rows) loses those
rows, and one that holds fewer offsets than were read (the topic was recreated) is read again from its
start. `crm dlq` reads whole topics once (`infra.dead_letters.read_letters`); re-drive selects among all
letters by reason or position, so it reads the whole topic as well.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from confluent_kafka import TopicPartition

from crm.settings import Settings
from infra.dead_letters import (
    READ_TIMEOUT_S,
    TOP_REASONS,
    StoredLetter,
    TopicSummary,
    letter_reader,
    partition_bounds,
    read_from,
)
from topics import physical_name

REASONS_LISTED = 50  # a page names its topic's reasons, most frequent first, up to this many


class Page(NamedTuple):
    total: int  # how many letters the topic holds
    letters: list[StoredLetter]  # the page's, newest first
    reasons: list[tuple[str, int]]  # the topic's reasons with their counts, most frequent first
    contract_failures: frozenset[str]  # those of them whose letters failed the source topic's contract


class Row(NamedTuple):
    """A letter as the index keeps it (a NamedTuple: a topic may hold a million of them)."""

    timestamp: datetime
    partition: int
    offset: int
    reason: str


@dataclass
class _TopicRows:
    rows: list[Row] = field(default_factory=list)  # oldest first: (broker time, partition, offset)
    next_offsets: dict[int, int] = field(default_factory=dict)  # partition → the next offset to read
    first_offsets: dict[int, int] = field(default_factory=dict)  # partition → its first offset, last look
    reasons: Counter[str] = field(default_factory=Counter)
    reason_texts: dict[str, str] = field(default_factory=dict)
    contract_reasons: set[str] = field(default_factory=set)  # reasons of letters that failed the contract
    lock: threading.Lock = field(default_factory=threading.Lock)  # one refresh at a time per topic

    def forget(self, keep) -> None:
        """Drop the rows ``keep`` refuses (and their reasons' counts)."""
        kept: list[Row] = []
        gone: list[Row] = []
        for row in self.rows:
            (kept if keep(row) else gone).append(row)
        if gone:
            self.rows = kept
            self.reasons.subtract(row.reason for row in gone)
            self.reasons = +self.reasons  # drop reasons counted down to zero
            self.contract_reasons &= self.reasons.keys()

    @property
    def contract_failures(self) -> frozenset[str]:
        return frozenset(self.contract_reasons)

    def forget_partition(self, partition: int) -> None:
        self.forget(lambda row: row.partition != partition)
        self.next_offsets.pop(partition, None)
        self.first_offsets.pop(partition, None)

    def add(self, letters: list[StoredLetter]) -> None:
        for stored in letters:
            # one string per distinct reason, however many letters share it
            reason = self.reason_texts.setdefault(stored.reason, stored.reason)
            self.rows.append(Row(stored.timestamp, stored.partition, stored.offset, reason))
            self.reasons[reason] += 1
            if stored.failed_contract:
                self.contract_reasons.add(reason)
        if letters:
            self.rows.sort()  # new letters are mostly the newest: a nearly sorted list sorts in one pass


class DeadLetterIndex:
    """Per dead-letter topic, the rows of its letters; thread-safe (the admin routes run on threads)."""

    def __init__(self, settings: Settings, timeout: float = READ_TIMEOUT_S) -> None:
        self.settings = settings
        self.timeout = timeout
        self._topics: dict[str, _TopicRows] = {}
        self._lock = threading.Lock()

    def _rows(self, dlq_topic: str) -> _TopicRows:
        with self._lock:
            return self._topics.setdefault(dlq_topic, _TopicRows())

    def summary(self, dlq_topic: str) -> TopicSummary:
        """The topic's count, oldest and newest letter and most frequent reasons, as of now."""
        index = self._rows(dlq_topic)
        with index.lock:  # the rows change (and are sorted in place) only under the lock
            self._refresh(dlq_topic, index)
            rows = index.rows
            return TopicSummary(
                dlq_topic,
                len(rows),
                rows[0].timestamp if rows else None,
                rows[-1].timestamp if rows else None,
                index.reasons.most_common(TOP_REASONS),
                index.contract_failures,
            )

    def page(self, dlq_topic: str, offset: int, limit: int) -> Page:
        """Letters ``offset`` to ``offset + limit`` newest first, with the topic's count and reasons (from the
        same look, so a page costs one)."""
        index = self._rows(dlq_topic)
        with index.lock:
            self._refresh(dlq_topic, index)
            total = len(index.rows)
            chosen = index.rows[max(total - offset - limit, 0) : max(total - offset, 0)][::-1]
            reasons = index.reasons.most_common(REASONS_LISTED)
            contract_failures = index.contract_failures
        if not chosen:
            return Page(total, [], reasons, contract_failures)
        found = self._fetch(dlq_topic, chosen)
        places = ((row.partition, row.offset) for row in chosen)
        letters = [found[place] for place in places if place in found]  # one deleted meanwhile: left out
        return Page(total, letters, reasons, contract_failures)

    def _refresh(self, dlq_topic: str, index: _TopicRows) -> None:
        """Read what the topic gained since the last look; forget what the broker no longer holds."""
        physical = physical_name(dlq_topic, self.settings)
        with letter_reader(self.settings) as consumer:
            bounds = partition_bounds(consumer, physical)
            for partition in [p for p in index.next_offsets if p not in bounds]:  # recreated with fewer
                index.forget_partition(partition)
            starts, ends = [], {}
            for partition, (low, high) in bounds.items():
                if index.next_offsets.get(partition, 0) > high:  # fewer offsets than were read: recreated
                    index.forget_partition(partition)
                elif low > index.first_offsets.get(partition, 0):  # the broker deleted records
                    index.forget(lambda row, p=partition, low=low: row.partition != p or row.offset >= low)
                index.first_offsets[partition] = low
                start = max(index.next_offsets.get(partition, low), low)
                if high > start:
                    starts.append(TopicPartition(physical, partition, start))
                    ends[partition] = high
            letters = read_from(consumer, dlq_topic, starts, ends, self.timeout)
        # only once read: a look that failed half-way (Kafka timed out) is made again in full next time
        index.add(letters)
        index.next_offsets.update((partition, high) for partition, (_low, high) in bounds.items())

    def _fetch(self, dlq_topic: str, rows: list[Row]) -> dict[tuple[int, int], StoredLetter]:
        """The records of ``rows`` (one range per partition: a page's rows sit close together)."""
        ranges: dict[int, tuple[int, int]] = {}
        for row in rows:
            low, high = ranges.get(row.partition, (row.offset, row.offset))
            ranges[row.partition] = (min(low, row.offset), max(high, row.offset))
        physical = physical_name(dlq_topic, self.settings)
        with letter_reader(self.settings) as consumer:
            starts = [TopicPartition(physical, p, low) for p, (low, _high) in ranges.items()]
            ends = {p: high + 1 for p, (_low, high) in ranges.items()}
            wanted = {(row.partition, row.offset) for row in rows}
            letters = read_from(consumer, dlq_topic, starts, ends, self.timeout, only=wanted)
        return {(s.partition, s.offset): s for s in letters}

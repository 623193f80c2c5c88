"""The demo's clock: the next business date on ``ops.business-date`` every so often, as a bank's end of day.

The business date is the only clock the processors know, so each tick ages every open loan, moves promises
past their dates and reorders the queues: the dashboard and queues visibly move.
"""

from __future__ import annotations

import re
import threading
import uuid
from contextlib import suppress
from datetime import date, timedelta

import orjson
from confluent_kafka import Consumer, TopicPartition
from pydantic import ValidationError

from contracts import BusinessDate
from crm.settings import Settings
from domain.business_date import advance
from domain.errors import BusinessDateJump
from topics import physical_name

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600}


def parse_interval(text: str) -> float | None:
    """``60s``, ``2m``, ``90`` (seconds), ``1h`` → seconds; ``0`` or ``off`` → None (no ticking)."""
    if text.strip().lower() in ("off", "no", "none", "never"):
        return None
    match = _INTERVAL.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an interval such as 60s, 2m or off")
    seconds = float(match.group(1)) * _UNIT_S[(match.group(2) or "s").lower()]
    return seconds or None


def latest_business_date(settings: Settings, bank: str) -> date | None:
    """The latest date published for ``bank``: the greatest in the whole topic (a message a day, kept
    forever) that the processors took (`domain.business_date.advance`: not one too far after the latest),
    as they keep it. The last messages alone could be older dates produced again (`--reingest` produces the
    portfolio's history again), and a clock starting from them would publish dates the processors ignore
    until it passed the latest, for as many minutes as days."""
    topic = physical_name("ops.business-date", settings)
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_brokers,
            "group.id": f"demo-clock-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        assignment, ends = [], {}
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:
                assignment.append(TopicPartition(topic, p, low))
                ends[p] = high
        if not assignment:
            return None
        consumer.assign(assignment)
        wanted = bank.encode()
        latest: date | None = None
        positions = {tp.partition: tp.offset for tp in assignment}
        while any(positions[p] < ends[p] - 1 for p in ends):
            messages = consumer.consume(num_messages=100, timeout=2)
            if not messages:
                break  # only commit markers left
            for message in messages:
                if message.error():
                    continue
                positions[message.partition()] = message.offset()
                day = _date_of(message.value()) if message.key() == wanted else None
                if day is not None:
                    with suppress(BusinessDateJump):  # dead-lettered by the processors: not their date
                        latest = advance(latest, day, settings.business_date_max_step_days)
        return latest
    finally:
        consumer.close()


def _date_of(value: bytes | None) -> date | None:
    """A business-date message's date, read by its contract as the processors read it; None for one they
    dead-letter (not JSON, no date, a date out of range such as 9026 typed for 2026)."""
    try:
        return BusinessDate.model_validate_json(value).date
    except ValidationError:
        return None


class BusinessDateClock:
    """Publishes the day after the latest business date every ``every`` seconds until ``stop`` is set."""

    def __init__(self, settings: Settings, bank: str, start: date, every: float) -> None:
        self.settings, self.bank, self.every = settings, bank, every
        self.current = start
        self.published = 0
        self._producer = None

    def next_day(self) -> date:
        from topics.clients import make_producer

        day = self.current + timedelta(days=1)
        if self._producer is None:
            self._producer = make_producer(self.settings, **{"linger.ms": 0})
        producer = self._producer
        value = orjson.dumps({"date": day.isoformat(), "bank": self.bank})
        producer.produce(physical_name("ops.business-date", self.settings), value, self.bank.encode())
        if producer.flush(30) != 0:
            raise RuntimeError(f"business date {day} was not delivered to Kafka within 30 s")
        self.current = day
        self.published += 1
        return day

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.every):
            self.next_day()

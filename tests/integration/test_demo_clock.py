"""The demo's clock starts from the latest business date the topic holds, as the processors keep it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import orjson
import pytest

from crm.demo.clock import latest_business_date
from topics import physical_name
from topics.clients import make_producer

pytestmark = pytest.mark.integration


def test_the_latest_date_is_the_greatest_published_not_the_last(initialized):
    """Older dates produced again after it (the portfolio's history, `crm demo --reingest`) fill the end of
    the topic: the clock still starts after the greatest, or it would publish dates the processors ignore."""
    bank, other = f"B{uuid.uuid4().hex[:6].upper()}", f"O{uuid.uuid4().hex[:6].upper()}"  # codes: A-Z0-9_
    assert latest_business_date(initialized, bank) is None
    latest = date(2027, 2, 15)
    history = [date(2026, 11, 1) + timedelta(days=n) for n in range(40)]
    producer = make_producer(initialized)
    topic = physical_name("ops.business-date", initialized)
    for key, day in [(bank, latest), *((bank, day) for day in history), (other, date(2030, 1, 1))]:
        producer.produce(topic, orjson.dumps({"bank": key, "date": day.isoformat()}), key.encode())
    producer.produce(topic, b"not json", bank.encode())  # dead-lettered by the processors; skipped here
    producer.produce(topic, b'{"date": "9026-01-01"}', bank.encode())  # out of the contract's range: too
    producer.produce(topic, b'{"date": "2031-01-01"}', b"\xff\xfe")  # a key that is not UTF-8 either
    assert producer.flush(30) == 0
    assert latest_business_date(initialized, bank) == latest
    # a date too far after the latest is dead-lettered by the processors (2072 typed for 2027): skipped
    # here too, while one within the step after it still counts
    for day in (date(2072, 2, 16), latest + timedelta(days=20)):
        producer.produce(topic, orjson.dumps({"bank": bank, "date": day.isoformat()}), bank.encode())
    assert producer.flush(30) == 0
    assert latest_business_date(initialized, bank) == latest + timedelta(days=20)

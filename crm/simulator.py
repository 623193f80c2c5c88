"""Background activity at a chosen rate: small payments on random loans, as a busy day brings them.

Benchmarks measure latency under this load; the demo uses it to keep dashboards and queues moving.
"""

from __future__ import annotations

import random
import threading
import time
import uuid

import orjson

from crm.settings import Settings
from topics import physical_name
from topics.clients import make_producer


def pay_at_rate(
    settings: Settings, accounts: list[tuple[str, str]], rate: int, stop: threading.Event, seed: int = 1
) -> int:
    """Produce a 0.01 payment on a random ``(account, currency)`` ``rate`` times a second until ``stop``
    is set; returns how many were produced. Run it on a thread of its own."""
    producer = make_producer(settings)
    topic = physical_name("payments", settings)
    rnd = random.Random(seed)
    sent, started = 0, time.perf_counter()
    while not stop.is_set():
        account, currency = rnd.choice(accounts)
        payment = {
            "reference_number": f"LOAD-{uuid.uuid4().hex}",
            "account_number": account,
            "amount": "0.01",
            "currency": currency,
            "paid_at": "2027-01-01T09:00:00+07:00",
            "method": "CARD",
            "status": "COMPLETED",
        }
        producer.produce(topic, orjson.dumps(payment), account.encode())
        sent += 1
        producer.poll(0)
        ahead = sent / rate - (time.perf_counter() - started)
        if ahead > 0:
            time.sleep(ahead)
    producer.flush()
    return sent

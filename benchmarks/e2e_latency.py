"""Payment → updated queue, under load: how long an agent's queue lags behind a customer paying up.

Samples are customers with exactly one overdue loan who sit in their agents' queues. Each sample pays that
loan's whole overdue amount (a new reference, dated on the last business date) while other payments arrive
at ``load_rate`` a second on random loans, and is timed from the produce call until the customer has left
every queue it was in. The whole pipeline runs meanwhile: delinquency, rollup, strategy, allocation and
queues are the hops on the way, entities, promises and search work beside them.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable

import orjson
import psycopg
import redis

from benchmarks.processor_run import out_of_step
from crm.settings import Settings
from crm.simulator import pay_at_rate
from processors.queues.layout import queue_key
from topics import physical_name
from topics.clients import make_producer

SAMPLE_TIMEOUT_S = 30.0

# Loans that are their customer's only overdue loan: paying them in full clears the customer.
_CANDIDATES = """
SELECT l.account_number, l.cif, l.currency, l.overdue_amount,
       array_agg(DISTINCT a.agent_id) AS agents
FROM loan_delinquency l
JOIN agent_assignments a ON a.cif = l.cif AND a.valid_to IS NULL AND a.agent_id IS NOT NULL
WHERE l.overdue_amount > 0
  AND NOT EXISTS (SELECT 1 FROM loan_delinquency o
                  WHERE o.cif = l.cif AND o.account_number <> l.account_number AND o.overdue_amount > 0)
GROUP BY l.account_number, l.cif, l.currency, l.overdue_amount
ORDER BY l.cif
"""


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    index = min(len(sorted_values) - 1, max(0, int(round(share * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def payment_to_queue_latency(
    settings: Settings,
    samples: int,
    load_rate: int,
    business_date: str,
    check: Callable[[], None],
    progress: Callable[[int, int], None],
) -> dict:
    client = redis.Redis.from_url(settings.redis_url)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        candidates = conn.execute(_CANDIDATES).fetchall()
        accounts = conn.execute("SELECT account_number, currency FROM loan_delinquency").fetchall()
    stop = threading.Event()
    load = threading.Thread(target=pay_at_rate, args=(settings, accounts, load_rate, stop), daemon=True)
    if load_rate > 0:
        load.start()
        time.sleep(2)  # let the load reach its rate before the first sample
    fast = make_producer(settings, **{"linger.ms": 0})
    topic = physical_name("payments", settings)
    times: list[float] = []
    missed = 0
    try:
        for account, cif, currency, overdue, agents in candidates:
            if len(times) + missed >= samples:
                break
            keys = [queue_key(settings.namespace, agent) for agent in agents]
            if not _queued_anywhere(client, keys, cif):
                continue
            check()
            out_of_step()
            payment = {
                "reference_number": f"BENCH-{uuid.uuid4().hex}",
                "account_number": account,
                "amount": str(overdue),
                "currency": currency,
                "paid_at": f"{business_date}T12:00:00+00:00",
                "method": "BANK_TRANSFER",
                "status": "COMPLETED",
            }
            begun = time.perf_counter()
            fast.produce(topic, orjson.dumps(payment), account.encode())
            fast.flush()
            while _queued_anywhere(client, keys, cif) and time.perf_counter() - begun < SAMPLE_TIMEOUT_S:
                time.sleep(0.002)
            if _queued_anywhere(client, keys, cif):
                missed += 1
            else:
                times.append(time.perf_counter() - begun)
            progress(len(times) + missed, samples)
    finally:
        stop.set()
        if load.is_alive():
            load.join()
    return _summary(sorted(times), missed, load_rate, len(candidates))


def _queued_anywhere(client: redis.Redis, keys: list[str], cif: str) -> bool:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.zscore(key, cif)
    return any(score is not None for score in pipe.execute())


def _summary(times: list[float], missed: int, load_rate: int, candidates: int) -> dict:
    summary = {
        "samples": len(times),
        "missed": missed,
        "timeout_s": SAMPLE_TIMEOUT_S,
        "load_payments_per_s": load_rate,
        "candidates": candidates,
    }
    if times:
        summary |= {
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p99_ms": round(percentile(times, 0.99) * 1000, 1),
            "max_ms": round(times[-1] * 1000, 1),
        }
    return summary

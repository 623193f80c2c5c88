"""Compiled strategy evaluation in pure Python: customers/s against a 50-campaign configuration.

    python benchmarks/strategy.py [--customers 100000] [--campaigns 50] [--groups 5]

Three figures: `domain.strategy.evaluate` matching alone over prepared facts (the compiled rule set), the
full evaluation with reasons and contact selection, and the strategy processor's whole per-customer step
(facts built from the stored state, matching, and for a changed result the reasons, contacts and record)
over a dict state. One core; not a test.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import orjson

from processors.common.dict_state import DictState
from processors.strategy import logic
from processors.strategy.app import live_strategy
from processors.strategy.facts import customer_facts

PRODUCTS = ["PERSONAL_LOAN", "MORTGAGE", "AUTO_LOAN", "CREDIT_CARD", "OVERDRAFT"]
SEGMENTS = ["MASS", "AFFLUENT", "SME", "PRIVATE"]


def configuration(campaigns: int, groups: int, rnd: random.Random) -> bytes:
    """Campaigns with 2–4 conditions each over customer, delinquency, loan and custom fields; the last
    campaign of each group catches everybody still delinquent."""
    per_group = campaigns // groups
    document = {
        "strategy_id": "default",
        "version": 1,
        "published_at": "2026-03-01T09:00:00+00:00",
        "groups": [],
    }
    for g in range(groups):
        entries = []
        for c in range(per_group):
            conditions = [
                {"field": "delinquency.max_dpd", "operator": ">=", "value": rnd.choice([1, 30, 60, 90])}
            ]
            extra = [
                {"field": "customer.segment", "operator": "IN", "value": rnd.sample(SEGMENTS, 2)},
                {"field": "loan.product_type", "operator": "=", "value": rnd.choice(PRODUCTS)},
                {"field": "custom.risk_score", "operator": ">", "value": str(rnd.choice([0.3, 0.5, 0.7]))},
                {
                    "field": "delinquency.overdue_total",
                    "operator": ">",
                    "value": str(rnd.randint(1, 50) * 1000),
                },
                {"field": "delinquency.broken_promises", "operator": ">=", "value": 1},
                {"field": "customer.timezone", "operator": "IS NOT NULL"},
            ]
            conditions += rnd.sample(extra, rnd.randint(1, 3))
            if c == per_group - 1:
                conditions = [{"field": "delinquency.max_dpd", "operator": ">", "value": 0}]
            entries.append(
                {
                    "id": f"G{g}C{c}",
                    "name": f"Campaign {g}.{c}",
                    "priority": c,
                    "conditions": conditions,
                    "contact_rules": [{"phone_types": ["MOBILE", "HOME"]}],
                }
            )
        document["groups"].append({"id": f"G{g}", "name": f"Group {g}", "campaigns": entries})
    return orjson.dumps(document)


def stored_state(n: int, rnd: random.Random) -> tuple[dict, dict, dict]:
    dpd = rnd.choice([0, 5, 15, 35, 65, 95, 200])
    accounts = [
        {
            "account_number": f"LN{n}-{k}",
            "product_type": rnd.choice(PRODUCTS),
            "currency": "VND",
            "dpd": dpd,
            "bucket": "30-59",
            "overdue_amount": str(rnd.randint(0, 90_000)),
            "outstanding": str(rnd.randint(100_000, 900_000)),
            "oldest_unpaid_due": "2026-01-01",
            "custom_fields": {"risk_score": str(rnd.randint(0, 100) / 100)},
        }
        for k in range(rnd.choice([1, 1, 2, 3]))
    ]
    delinquency = {
        "business_date": "2026-03-10",
        "max_dpd": dpd,
        "bucket": "30-59",
        "overdue_total": {"VND": str(rnd.randint(0, 90_000))},
        "outstanding_total": {"VND": "500000"},
        "loans_delinquent": 1,
        "accounts": accounts,
        "revision": 1,
    }
    customer = {
        "updated_at": "2026-03-01",
        "name": "X",
        "type": "INDIVIDUAL",
        "segment": rnd.choice(SEGMENTS),
        "status": "ACTIVE",
        "timezone": "Asia/Ho_Chi_Minh",
        "date_of_birth": None,
        "phones": [["MOBILE", f"+849{n:08d}", True, True], ["HOME", f"+842{n:08d}", False, False]],
        "emails": [],
        "references": [],
    }
    promises = {"A1": "BROKEN"} if rnd.random() < 0.1 else {}
    return customer, delinquency, promises


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--groups", type=int, default=5)
    args = parser.parse_args()
    rnd = random.Random(5)
    started = time.perf_counter()
    live = live_strategy(configuration(args.campaigns, args.groups, rnd))
    took = (time.perf_counter() - started) * 1000
    print(f"compiled {args.campaigns} campaigns in {args.groups} groups in {took:.1f} ms")
    states = [stored_state(n, rnd) for n in range(args.customers)]
    facts = [customer_facts(f"C{n}", c, d, p, []) for n, (c, d, p) in enumerate(states)]

    from domain.strategy import evaluate, matches

    started = time.perf_counter()
    matched = sum(len(matches(live.compiled, f)) for f in facts)
    seconds = time.perf_counter() - started
    rate = args.customers / seconds
    print(f"compiled matching (matches): {rate:,.0f} customers/s ({matched:,} campaign matches)")
    started = time.perf_counter()
    for f in facts:
        evaluate(live.compiled, f)
    seconds = time.perf_counter() - started
    print(f"full evaluate (with reasons and contacts): {args.customers / seconds:,.0f} customers/s")

    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    for n, (customer, delinquency, promises) in enumerate(states):
        own = state_of(f"C{n}")
        own.set("customer", customer)
        own.set("delinquency", delinquency)
        own.set("promises", promises)
    started = time.perf_counter()
    emitted = sum(len(logic._evaluate(state_of, f"C{n}", live)) for n in range(args.customers))
    seconds = time.perf_counter() - started
    rate = args.customers / seconds
    print(f"processor step (facts + evaluate + record): {rate:,.0f} customers/s ({emitted:,} records)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()

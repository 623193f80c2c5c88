"""The strategy rules under the orders a running processor meets: customers' delinquency records, business
dates and their continuations (at most `limit` customers re-evaluated per message) interleaved at random,
with repeated and late older dates, under a random strategy with conditions on DPD and buckets. Whatever
the order, each customer's last record holds the campaigns their facts give on the last date, their DPD
grown to it: nobody is left in a campaign their DPD has grown out of, nor out of one it has grown into."""

from __future__ import annotations

import random
from datetime import date, timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.buckets import bucket
from domain.strategy import matches
from processors.strategy import logic
from processors.strategy.app import live_strategy
from processors.strategy.facts import customer_facts
from tests.fakes import DictState, interleaved

DATES = [date(2026, 3, 1) + timedelta(days=n) for n in range(0, 90, 3)]
CIFS = [f"C{n:02d}" for n in range(15)]
BUCKETS = ["1-29", "30-59", "60-89", "90-119"]


def _condition(rnd: random.Random) -> dict:
    kind = rnd.random()
    field = rnd.choice(["delinquency.max_dpd", "loan.dpd"])
    if kind < 0.6:
        return {
            "field": field,
            "operator": rnd.choice([">", ">=", "<", "<=", "=", "!="]),
            "value": rnd.randint(0, 120),
        }
    if kind < 0.8:
        return {
            "field": field,
            "operator": rnd.choice(["IN", "NOT IN"]),
            "value": rnd.sample(range(1, 120), 3),
        }
    return {
        "field": rnd.choice(["delinquency.bucket", "loan.bucket"]),
        "operator": rnd.choice(["=", ">=", "<"]),
        "value": rnd.choice(BUCKETS),
    }


def _strategy(rnd: random.Random):
    groups = [
        {
            "id": f"G{g}",
            "name": f"Group {g}",
            "campaigns": [
                {
                    "id": f"G{g}C{c}",
                    "name": f"Campaign {g}.{c}",
                    "priority": c,
                    "conditions": [_condition(rnd) for _ in range(rnd.randint(1, 2))],
                }
                for c in range(rnd.randint(1, 3))
            ],
        }
        for g in range(rnd.randint(1, 3))
    ]
    config = {
        "strategy_id": "default",
        "version": 1,
        "published_at": "2026-03-01T09:00:00+00:00",
        "groups": groups,
    }
    return live_strategy(orjson.dumps(config))


def _records(rnd: random.Random) -> list[dict]:
    """Each customer's records on dates that never go back, revisions rising; customers interleaved."""
    own: dict[str, list[dict]] = {}
    for cif in CIFS:
        for revision, day in enumerate(sorted(rnd.choices(DATES[:-1], k=rnd.randint(1, 3))), 1):
            dpds = [rnd.choice([0, 0, 3, 25, 29, 58, 89, 100]) for _ in range(rnd.randint(1, 2))]
            own.setdefault(cif, []).append(
                {
                    "cif": cif,
                    "business_date": day.isoformat(),
                    "max_dpd": max(dpds),
                    "bucket": bucket(max(dpds)),
                    "overdue_total": {"USD": "100"},
                    "outstanding_total": {"USD": "900"},
                    "loans": len(dpds),
                    "loans_delinquent": sum(1 for d in dpds if d),
                    "revision": revision,
                    "accounts": [
                        {
                            "account_number": f"{cif}-L{n}",
                            "product_type": "CREDIT_CARD",
                            "currency": "USD",
                            "dpd": dpd,
                            "bucket": bucket(dpd),
                            "overdue_amount": "50",
                            "outstanding": "450",
                        }
                        for n, dpd in enumerate(dpds)
                    ],
                }
            )
    return interleaved(own, rnd)


def _ticks(rnd: random.Random) -> list[date]:
    ticks = sorted(rnd.sample(DATES, rnd.randint(1, 8)))
    if rnd.random() < 0.3:
        ticks.insert(rnd.randrange(len(ticks) + 1), rnd.choice(DATES))  # a late older (or repeated) date
    return [*ticks, DATES[-1]]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([1, 2, 5, 1_000]))
def test_every_customer_ends_in_the_campaigns_of_their_dpd_on_the_last_date(seed, limit):
    rnd = random.Random(seed)
    live = _strategy(rnd)
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    waiting = {"record": _records(rnd), "tick": _ticks(rnd), "continuation": []}
    last: dict[str, dict] = {}
    while any(waiting.values()):
        kind = rnd.choice([name for name, messages in waiting.items() if messages])
        message = waiting[kind].pop(0)
        if kind == "record":
            outputs = logic.on_delinquency(state_of, message, lambda: live)
        else:
            outputs, done = logic.on_tick(
                state_of, message, lambda: live, limit, continuing=kind == "continuation"
            )
            if not done:
                waiting["continuation"].append(message)
        last.update({cif: record for _topic, cif, record in outputs})

    for cif in CIFS:
        own = state_of(cif)
        facts = customer_facts(cif, None, own.get("delinquency"), {}, [], DATES[-1])
        want = [[group, campaign] for group, campaign, _loan in matches(live.compiled, facts)]
        got = [[c["group_id"], c["campaign_id"]] for c in last[cif]["campaigns"]]
        assert got == want, (cif, last[cif]["business_date"], facts.delinquency.max_dpd)

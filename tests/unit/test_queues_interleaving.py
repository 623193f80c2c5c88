"""The queue rules under the orders a running processor meets: assignments, campaigns, delinquency figures,
promises, actions, customer records, business dates and their continuations (a date re-ranks at most
`limit` customers per message) interleaved at random, each topic in its own order. Whatever the order:

- what the queues hold (the placements applied as the Redis sink applies them) is what the state says they
  hold (`written_changes`, which rebuilds a lost Redis), so the two never drift apart;
- and it is what the same events give read one topic after another, the dates last."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.queues import logic
from tests.fakes import DictState, interleaved

DATES = [date(2026, 3, 2) + timedelta(days=n) for n in range(6)]
CIFS = [f"C{n}" for n in range(12)]
AGENTS = ["AG0", "AG1", "AG2", None]
RESULTS = ["NO_ANSWER", "PROMISE_TO_PAY", "DISPUTE", "DISPUTE_RESOLVED", "CEASE_COMMUNICATION"]


def _assignments(rnd: random.Random) -> list[dict]:
    return [
        {
            "cif": rnd.choice(CIFS),
            "agent_type": rnd.choice(["CALL", "FIELD"]),
            "agent_id": rnd.choice(AGENTS),
            "campaign_id": rnd.choice(["EARLY", "LATE", None]),
        }
        for _ in range(rnd.randint(5, 30))
    ]


def _campaigns(rnd: random.Random) -> list[dict]:
    names = {"EARLY": "Early soft", "LATE": "Late hard"}
    return [
        {
            "cif": rnd.choice(CIFS),
            "campaigns": [
                {"campaign_id": c, "campaign_name": f"{names[c]} {rnd.randint(1, 3)}"}
                for c in rnd.sample(sorted(names), rnd.randint(0, 2))
            ],
        }
        for _ in range(rnd.randint(0, 10))
    ]


def _figures(rnd: random.Random) -> list[dict]:
    """Each customer's figures on dates that never go back (the delinquency processor's order), the
    customers interleaved at random."""
    own: dict[str, list[dict]] = {}
    for cif in CIFS:
        for day in sorted(rnd.choices(DATES, k=rnd.randint(0, 4))):
            currencies = rnd.sample(["USD", "EUR"], rnd.randint(1, 2))
            own.setdefault(cif, []).append(
                {
                    "cif": cif,
                    "business_date": day.isoformat(),
                    "max_dpd": rnd.choice([0, 1, 5, 31, 95]),
                    "overdue_total": {c: rnd.choice(["0", "0.00", "12.50", "900.00"]) for c in currencies},
                    "accounts": [{"currency": c, "dpd": rnd.randint(0, 95)} for c in currencies],
                }
            )
    return interleaved(own, rnd)


def _promises(rnd: random.Random) -> list[dict]:
    return [
        {
            "cif": rnd.choice(CIFS),
            "action_id": f"P{rnd.randint(0, 6)}",
            "status": rnd.choice(["BROKEN", "KEPT", "PENDING"]),
            "date": (DATES[0] - timedelta(days=rnd.choice([1, 20, 200]))).isoformat(),
        }
        for _ in range(rnd.randint(0, 12))
    ]


def _actions(rnd: random.Random) -> list[dict]:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    return [
        {
            "action_id": f"A{n}",
            "cif": rnd.choice(CIFS),
            "account_number": None,
            "type": rnd.choice(["CALL", "VISIT"]),
            "subtype": rnd.choice(["OUTBOUND", "INBOUND"]),
            "result": rnd.choice(RESULTS),
            "at": start + timedelta(hours=rnd.randint(0, 24 * 6)),
            "follow_up_date": rnd.choice([None, DATES[2], DATES[5]]),
        }
        for n in range(rnd.randint(0, 15))
    ]


def _customers(rnd: random.Random) -> list[dict]:
    return [
        {
            "cif": cif,
            "name": f"Customer {cif} {rnd.randint(1, 3)}",
            "company_name": None,
            "timezone": rnd.choice([None, "Asia/Ho_Chi_Minh", "America/New_York"]),
        }
        for cif in rnd.sample(CIFS, rnd.randint(0, len(CIFS)))
    ]


HANDLERS = {
    "assignments": logic.on_assignment,
    "strategy": logic.on_strategy,
    "delinquency": logic.on_delinquency,
    "promises": logic.on_promise,
    "actions": logic.on_action,
    "customers": logic.on_customer,
}


def _events(rnd: random.Random) -> dict[str, list]:
    dates = sorted(rnd.choices(DATES, k=rnd.randint(1, 8)))  # repeats too: a date sent twice
    if rnd.random() < 0.3:
        dates.insert(rnd.randrange(len(dates) + 1), DATES[0])  # an older date, late
    return {
        "assignments": _assignments(rnd),
        "strategy": _campaigns(rnd),
        "delinquency": _figures(rnd),
        "promises": _promises(rnd),
        "actions": _actions(rnd),
        "customers": _customers(rnd),
        "date": dates + [DATES[-1]],  # every run reaches the last date
    }


class Redis:
    """The queues and contact snapshots as the sink leaves them."""

    def __init__(self) -> None:
        self.queues: dict[str, dict[str, tuple[float, dict]]] = {}
        self.snapshots: dict[str, dict] = {}

    def apply(self, changes) -> None:
        for change in changes:
            if isinstance(change, logic.ContactSnapshot):
                self.snapshots[change.cif] = orjson.loads(change.snapshot)
            elif change.score is None:
                self.queues.get(change.agent_id, {}).pop(change.cif, None)
            else:
                self.queues.setdefault(change.agent_id, {})[change.cif] = (
                    change.score,
                    orjson.loads(change.entry),
                )

    def view(self) -> tuple[dict, dict]:
        return {agent: queue for agent, queue in self.queues.items() if queue}, self.snapshots


def _run(events: dict[str, list], order: list[str], limit: int) -> tuple[Redis, object]:
    """Feed ``events`` in ``order`` (a topic name per message), sending a continuation for each date not
    done, read when ``order`` next names "continuation" (or at the end)."""
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    waiting = {name: list(messages) for name, messages in events.items()} | {"continuation": []}
    redis = Redis()
    for name in [*order, *["continuation"] * 10_000]:
        if not waiting[name]:
            if not any(waiting.values()):
                break
            continue
        message = waiting[name].pop(0)
        if name in HANDLERS:
            redis.apply(HANDLERS[name](state_of, message))
            continue
        changes, done = logic.on_tick(state_of, message, limit=limit, continuing=name == "continuation")
        redis.apply(changes)
        if not done:
            waiting["continuation"].append(message)
    assert not any(waiting.values())
    return redis, state_of


def _random_order(events: dict[str, list], rnd: random.Random) -> list[str]:
    names = [name for name, messages in events.items() for _ in messages]
    rnd.shuffle(names)
    spread = [*names, *["continuation"] * (3 * len(CIFS))]
    rnd.shuffle(spread)  # continuations are read some time after they are sent, among the others
    return spread


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([1, 2, 5, 100]))
def test_the_queues_hold_what_the_state_says_and_the_same_whatever_the_order(seed, limit):
    rnd = random.Random(seed)
    events = _events(rnd)
    redis, state_of = _run(events, _random_order(events, rnd), limit)

    rebuilt = Redis()
    rebuilt.apply(logic.written_changes(state_of))
    assert rebuilt.view() == redis.view()

    in_sequence = [name for name in events for _ in events[name]]  # one topic after another, dates last
    expected, _ = _run(events, in_sequence, limit=10_000)
    assert redis.view() == expected.view()
    dated = {entry["business_date"] for queue in redis.queues.values() for _, entry in queue.values()}
    assert dated <= {DATES[-1].isoformat()}

"""One chunk of customers with everything that hangs off them, as JSONL bytes per topic.

Each chunk draws from its own `random.Random(f"{seed}:{chunk}")` (seeded through SHA-512, not Python's
salted hash), so the output does not depend on how many processes generate it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import orjson

from crm.generator.activity import PaymentStream, actions_for
from crm.generator.customers import customer
from crm.generator.loans import make_collateral, make_loan, pick_dpd
from crm.generator.schedules import to_cents
from topics import INGEST_ORDER

# Everything but the agents and the business dates, which do not depend on the customers.
CHUNK_TOPICS = tuple(t for t in INGEST_ORDER if t not in ("config.agents", "ops.business-date"))


@dataclass(frozen=True)
class ChunkSpec:
    seed: int
    chunk: int
    first: int  # index of the first customer (1-based in cif numbers)
    count: int
    snapshot: date
    days: int
    agents: int


def generate_chunk(spec: ChunkSpec) -> dict[str, bytes]:
    rng = random.Random(f"{spec.seed}:{spec.chunk}")
    out: dict[str, list[bytes]] = {topic: [] for topic in CHUNK_TOPICS}
    payments = PaymentStream(rng, spec.chunk, spec.snapshot, spec.days)
    action_sequence = [0]
    cifs = range(spec.first, spec.first + spec.count)
    for index in cifs:
        record = customer(rng, index, spec.snapshot, cifs)
        out["bank.customers"].append(orjson.dumps(record))
        worst = pick_dpd(rng)
        loans = []
        for k in range(rng.choices((1, 2, 3, 4), (55, 28, 12, 5))[0]):
            # a customer in trouble is usually behind on several of their loans; anyone may miss one
            dpd = worst if k == 0 or rng.random() < 0.6 else 0
            if dpd == 0 and k > 0 and rng.random() < 0.05:
                dpd = rng.randint(1, 29)
            loan = make_loan(rng, record["cif"], f"LN{index:09d}{k}", spec.snapshot, dpd)
            loans.append(loan)
            out["bank.loans"].append(orjson.dumps(loan.record))
            if loan.collateral_type:
                number = f"COL{index:09d}{k}"
                out["bank.collaterals"].append(
                    orjson.dumps(make_collateral(rng, number, loan, spec.snapshot))
                )
            payments.for_loan(loan, dpd)
        if worst > 0:
            by_account = {loan.record["account_number"]: loan for loan in loans}
            for action in actions_for(
                rng, record, loans, spec.snapshot, spec.agents, action_sequence, spec.chunk
            ):
                out["agent.actions"].append(orjson.dumps(action))
                if promise := action.get("promise"):
                    payments.keep_promise(
                        by_account[action["account_number"]],
                        date.fromisoformat(promise["date"]),
                        to_cents(promise["amount"]),
                    )
    out["payments"] = [orjson.dumps(payment) for payment in payments.lines()]
    return {topic: b"".join(line + b"\n" for line in lines) for topic, lines in out.items()}

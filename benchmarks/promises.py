"""Benchmark the promises processor: agents' actions and customers' payments to the `actions` and `promises`
tables, promises kept and broken.

    python benchmarks/promises.py [--customers 50000] [--days 30] [--actions N] [--samples 20] [--rate 300]

Its inputs are a generated portfolio's actions (`crm.generator`) and the delinquency processor's payment
facts and date ticks on that portfolio (the bank's loans, payments and ``--days`` business dates), made
first and not measured. Then `crm run promises` as its own process, each phase until it has consumed
everything:

1. the first pass: the portfolio's history (its actions, payment facts and dates): events/s, rows/s, the
   processor's and PostgreSQL's CPU seconds;
2. a day of agents' work: ``--actions`` new actions (default: one per customer) on the last business date,
   one in four a promise to pay three days later: actions/s;
3. the date after those promises' grace period, as ticks: every unpaid promise breaks;
4. latency: a promise made, then a payment fact that keeps it, one at a time while ``--rate`` other
   actions/s arrive: from the payment's produce to the promise's KEPT row in PostgreSQL, p50/p99.

Needs the local stack (`crm stack up`). Everything runs in a throw-away namespace and schema.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path

import orjson
import psycopg
from processor_run import (
    ProcessorRun,
    downstream_parser,
    ingest,
    latency_figures,
    out_of_step,
    produce,
    read_records,
    sandbox,
    steady_load,
    through_delinquency,
    tick_records,
    until,
)

from contracts import AgentAction
from crm.settings import Settings
from topics import physical_name
from topics.clients import make_producer

LOCAL = timezone(timedelta(hours=7))
PROMISE_AMOUNT = "500000.00"


def _loans(folder: Path) -> list[tuple[str, str, str]]:
    """(cif, account number, currency) of every generated loan."""
    with (folder / "bank.loans.jsonl").open("rb") as lines:
        return [(r["cif"], r["account_number"], r["currency"]) for r in map(orjson.loads, lines)]


def _agents(folder: Path) -> list[str]:
    with (folder / "config.agents.jsonl").open("rb") as lines:
        return [orjson.loads(line)["agent_id"] for line in lines]


def action(n: int, loan: tuple[str, str, str], agent: str, day: date, promise_on: date | None) -> dict:
    """A call on ``day``; with ``promise_on``, the customer promises to pay that day."""
    cif, account, _currency = loan
    value = {
        "action_id": f"BENCH{n:010d}",
        "cif": cif,
        "account_number": account,
        "agent_id": agent,
        "type": "CALL",
        "subtype": "OUTBOUND",
        "result": "NO_ANSWER",
        "at": datetime.combine(day, clock(9), LOCAL) + timedelta(seconds=n % 30_000),
        "contact": {"channel": "PHONE", "number": "+84 900 000 000"},
    }
    if promise_on is not None:
        value.update(result="PROMISE_TO_PAY", promise={"date": promise_on, "amount": PROMISE_AMOUNT})
    return AgentAction.model_validate(value).model_dump(mode="json", exclude_none=True)


def _statuses(settings: Settings) -> dict[str, int]:
    with psycopg.connect(settings.database_url) as conn:
        counts = dict(conn.execute("SELECT status, count(*) FROM promises GROUP BY status").fetchall())
        counts["actions"] = conn.execute("SELECT count(*) FROM actions").fetchone()[0]
    return counts


def _figures(counts: dict[str, int]) -> str:
    promises = ", ".join(f"{counts.get(s, 0):,} {s.lower()}" for s in ("PENDING", "KEPT", "BROKEN"))
    return f"{counts['actions']:,} actions, promises {promises}"


def main() -> None:
    parser = downstream_parser(__doc__.splitlines()[0], 300, "other actions/s during the latency samples")
    parser.add_argument("--actions", type=int, help="the day's new actions; default: one per customer")
    args = parser.parse_args()
    with sandbox() as (settings, env, folder):
        run(args, settings, env, folder)


def run(args, settings: Settings, env: dict[str, str], folder: Path) -> None:
    manifest = through_delinquency(settings, env, folder, args)
    history = ingest(settings, folder, ("agent.actions",))
    history += len(read_records(settings, "delinquency.payments"))
    history += len(read_records(settings, "delinquency.ticks"))
    print(f"  → {history:,} events for the promises processor")
    loans, agents = _loans(folder), _agents(folder)
    day = date.fromisoformat(manifest.last_business_date)
    with ProcessorRun(settings, env, "promises", folder / "promises.log") as promises:
        first = promises.measure(promises.start)
        counts = _statuses(settings)
        print(
            f"first pass: {first.seconds:,.1f} s incl. start-up, {first.rate(history)}; {_figures(counts)}; "
            f"{first.cpu_figures()}"
        )

        count = args.actions or args.customers
        due = day + timedelta(days=3)
        work = [
            action(n, loans[n % len(loans)], agents[n % len(agents)], day, due if n % 4 == 0 else None)
            for n in range(count)
        ]
        worked = promises.measure(lambda: produce(settings, "agent.actions", [(a["cif"], a) for a in work]))
        after = _statuses(settings)
        print(
            f"a day's work: {count:,} actions ({(count + 3) // 4:,} promises) in {worked.seconds:,.1f} s, "
            f"{worked.rate(count, 'actions')}; {_figures(after)}; {worked.cpu_figures()}"
        )

        broken_on = due + timedelta(days=settings.promise_grace_days + 1)
        dated = tick_records(settings, broken_on)
        ticks = promises.measure(lambda: produce(settings, "delinquency.ticks", dated))
        final = _statuses(settings)
        print(
            f"business date {broken_on} (the grace period over): "
            f"{final.get('BROKEN', 0) - after.get('BROKEN', 0):,} promises broken in {ticks.seconds:,.1f} s; "
            f"{_figures(final)}; {ticks.cpu_figures()}"
        )

        times, missed = _latencies(settings, loans, agents, broken_on, args.samples, args.rate)
        print(
            f"payment → its promise KEPT in PostgreSQL, {args.rate} other actions/s: "
            f"{latency_figures(times, missed)}"
        )
        print(f"processor peak RSS {promises.peak_rss_mb():,.0f} MB")


def _other_actions(loans, agents, day: date) -> Iterator[tuple[bytes, bytes]]:
    """Calls without a promise: the rest of the agents' work while a promise is timed."""
    for n in itertools.count(10**8):
        value = action(n, loans[n % len(loans)], agents[n % len(agents)], day, None)
        yield value["cif"].encode(), orjson.dumps(value)


def _latencies(settings, loans, agents, day: date, samples: int, rate: int) -> tuple[list[float], int]:
    """Promises made on loans spread over the book, then paid: each payment timed to its promise's KEPT."""
    fast = make_producer(settings, **{"linger.ms": 0})
    times, missed = [], 0
    with (
        steady_load(settings, "agent.actions", _other_actions(loans, agents, day), rate),
        psycopg.connect(settings.database_url, autocommit=True) as conn,
    ):
        for n, loan in enumerate(loans[:: max(1, len(loans) // samples)][:samples]):
            made = action(2 * 10**9 + n, loan, agents[0], day, day + timedelta(days=3))
            fast.produce(physical_name("agent.actions", settings), orjson.dumps(made), loan[0].encode())
            fast.flush(10)
            if not until(lambda: _status(conn, made) is not None):  # noqa: B023 (called at once)
                missed += 1
                continue
            fact = {
                "cif": loan[0],
                "account_number": loan[1],
                "reference_number": f"BENCHPAY{n:06d}",
                "amount": PROMISE_AMOUNT,
                "currency": loan[2],
                "paid_on": day.isoformat(),
                "reverses": None,
            }
            out_of_step()
            started = time.perf_counter()
            fast.produce(
                physical_name("delinquency.payments", settings), orjson.dumps(fact), loan[0].encode()
            )
            fast.flush(10)
            if until(lambda: _status(conn, made) == "KEPT"):  # noqa: B023 (called at once)
                times.append(time.perf_counter() - started)
            else:
                missed += 1
    return times, missed


def _status(conn: psycopg.Connection, action: dict) -> str | None:
    row = conn.execute("SELECT status FROM promises WHERE action_id = %s", (action["action_id"],)).fetchone()
    return row[0] if row else None


if __name__ == "__main__":
    main()

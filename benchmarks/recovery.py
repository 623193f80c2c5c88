"""Benchmark recovery of the delinquency processor: SIGKILL once it holds a whole portfolio, restart it, time
restart → caught up; optionally with its local state lost, and a full replay against the first run.

    python benchmarks/recovery.py [--loans 1000000] [--days 30] [--backlog 10000] [--lose-state] [--replay]

In a throw-away namespace: generate a portfolio of about ``--loans`` loans, ingest loans, payments and the
business dates, run `crm run delinquency` until it has caught up (the first run: events/s, wall time), then:

1. **restart**: SIGKILL the processor (no clean shutdown), produce ``--backlog`` payments while it is down,
   start it again and time it until caught up. Its RocksDB state is still on disk, so only the backlog is
   processed; this is the "recovery time after SIGKILL" of docs/benchmarks.md (target: under 60 s at a
   million loans).
2. **--lose-state**: the same, with the processor's state directory deleted before the restart (a new
   machine): the state is restored from its changelog topic first.
3. **--replay**: `infra.replay.reset_processors` (consumer group, state, changelog), then a run from offset
   zero: its events/s against the first run's (the issue asks for the same speed).

Each restart reports wall seconds, events/s over what it processed, and the process's peak memory. Needs the
local stack (`crm stack up`). Verify the script at a small size (``--loans 20000``); a million loans keeps
the machine busy for a long while.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

from crm.errors import CrmError
from crm.generator import generate_portfolio
from crm.ingest import ingest_file
from crm.procstat import peak_rss_mb
from crm.settings import Settings
from infra.replay import reset_processors
from infra.sandbox import throwaway_namespace
from processors.common.app import consumer_group, state_path
from processors.registry import INPUTS
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

NAME = "delinquency"
LOANS_PER_CUSTOMER = 1.68  # what the generator gives on average (252 loans for 150 customers)
FED = ("bank.loans", "payments", "ops.business-date")


@dataclass
class Run:
    seconds: float
    events: int
    peak_mb: float

    def line(self, what: str) -> str:
        rate = f"{self.events / self.seconds:,.0f} events/s" if self.events else "no events to process"
        return f"{what:<34} {self.seconds:8,.1f} s   {rate:>22}   peak RSS {self.peak_mb:,.0f} MB"


class Processor:
    """`crm run delinquency` as a process of its own, its output appended to ``log``."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "crm", "run", NAME], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def peak_mb(self) -> float:
        return peak_rss_mb(self.process.pid) if self.process else 0.0


def caught_up(settings: Settings, processor: Processor, events: int, timeout: float) -> Run:
    """Start the processor and time it until its group has committed every input message."""
    started = time.perf_counter()
    processor.start()
    inputs = [physical_name(topic, settings) for topic in INPUTS[NAME]]
    wait_caught_up(settings.kafka_brokers, consumer_group(settings, NAME), inputs, timeout=timeout)
    return Run(time.perf_counter() - started, events, processor.peak_mb())


def produce_backlog(settings: Settings, portfolio: Path, count: int) -> int:
    """``count`` small payments on the portfolio's loans, produced while the processor is down."""
    loans = _first_loans(portfolio / "bank.loans.jsonl", count)
    producer = make_producer(settings)
    topic = physical_name("payments", settings)
    for n in range(count):
        loan = loans[n % len(loans)]
        payment = {
            "reference_number": f"RECOVERY-{uuid.uuid4().hex}",
            "account_number": loan["account_number"],
            "amount": "1.00",
            "currency": loan["currency"],
            "paid_at": "2027-01-01T10:00:00+00:00",
            "method": "CASH",
            "status": "COMPLETED",
        }
        producer.produce(topic, orjson.dumps(payment), loan["account_number"].encode())
        producer.poll(0)
    producer.flush(60)
    return count


def _first_loans(path: Path, count: int) -> list[dict]:
    """Account and currency of the file's first ``count`` loans, read line by line (a million loans with
    their schedules would not fit in memory as objects)."""
    loans = []
    with path.open("rb") as lines:
        for line in lines:
            loan = orjson.loads(line)
            loans.append({"account_number": loan["account_number"], "currency": loan["currency"]})
            if len(loans) == count:
                break
    return loans


def reset_when_left(settings: Settings, timeout: float = 60) -> None:
    """`crm replay`'s reset, once the killed member has left the group (its session times out in 10 s)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            reset_processors(settings, [NAME])
            return
        except CrmError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--backlog", type=int, default=10_000, help="payments produced while it is down")
    parser.add_argument("--lose-state", action="store_true", help="also restart with the state dir deleted")
    parser.add_argument("--replay", action="store_true", help="also replay from offset zero")
    parser.add_argument("--timeout", type=float, default=7_200, help="seconds to wait for each catch-up")
    args = parser.parse_args()

    sandbox = throwaway_namespace(Settings(), f"recovery{uuid.uuid4().hex[:6]}", os.environ)
    with sandbox as (settings, env), tempfile.TemporaryDirectory() as tmp:
        portfolio, log = Path(tmp), Path(tmp) / "processor.log"
        processor = Processor(env, log)
        try:
            customers = max(1, round(args.loans / LOANS_PER_CUSTOMER))
            generate_portfolio(portfolio, customers, 42, days=args.days, progress=False)
            events = sum(ingest_file(settings, t, portfolio / f"{t}.jsonl").produced for t in FED)
            loans = sum(1 for _ in (portfolio / "bank.loans.jsonl").open("rb"))
            print(f"portfolio: {customers:,} customers, {loans:,} loans, {events:,} input events")

            first = caught_up(settings, processor, events, args.timeout)
            print(first.line("first run (start → caught up)"))

            processor.kill()
            backlog = produce_backlog(settings, portfolio, args.backlog)
            print(caught_up(settings, processor, backlog, args.timeout).line("SIGKILL, restart → caught up"))

            if args.lose_state:
                processor.kill()
                backlog = produce_backlog(settings, portfolio, args.backlog)
                shutil.rmtree(state_path(settings, NAME))
                lost = caught_up(settings, processor, backlog, args.timeout)
                print(lost.line("state lost, restore → caught up"))

            if args.replay:
                processor.kill()
                reset_when_left(settings)
                total = events + backlog * (2 if args.lose_state else 1)
                replay = caught_up(settings, processor, total, args.timeout)
                print(replay.line("replay from offset zero"))
                ratio = (replay.events / replay.seconds) / (first.events / first.seconds)
                print(f"replay speed / first run speed: {ratio:.2f}")
        finally:
            processor.kill()
            print(f"processor log: {log} (removed with the temporary folder)", file=sys.stderr)


if __name__ == "__main__":
    main()

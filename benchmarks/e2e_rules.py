"""`crm bench`'s check of content, not only counts: a sample of loans as the domain rules compute them.

The sinks' figures say every row is there and nothing moves any more; they cannot say a row is right. So
every loan of a deterministic sample of customers (by a hash of the cif, about ``SAMPLE`` loans) is
computed straight from the portfolio's files with the pure rules (every snapshot and payment of the loan,
on the last business date) and compared with `loan_delinquency`; so is each sampled customer's DPD in
`customer_delinquency` (their worst loan's on the row's date: the loans' records are of different dates).
The order the processor met the events in must not matter: that is what this catches (a date arriving
while an older one was being worked off once left loans un-aged, with every count right).
"""

from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
import redis

from api.queries.strategies import current_strategy
from api.queries.strategy_preview import cease_requested_among, disputed_among
from crm.settings import Settings
from domain.buckets import bucket
from domain.loan import LoanState, LoanView
from domain.strategy import matches
from processors.delinquency.parsing import payment_from, snapshot_from
from processors.queues.layout import entries_key
from processors.queues.logic import queued_overdue
from processors.strategy.app import STRATEGY_ID, live_strategy
from processors.strategy.facts import customer_facts

SAMPLE = 2_000


def _sampled(cif: str, every: int) -> bool:
    return zlib.crc32(cif.encode()) % every == 0


def sampled_states(data_dir: Path, loans: int) -> dict[str, LoanState]:
    """Every loan of a sample of customers (about ``SAMPLE`` loans, by a hash of the cif) as the rules
    make it from every snapshot and payment in the portfolio's files."""
    every = max(1, loans // SAMPLE)
    states: dict[str, LoanState] = {}
    with (data_dir / "bank.loans.jsonl").open("rb") as lines:
        for line in lines:
            if _sampled(orjson.loads(line)["cif"], every):
                snapshot = snapshot_from(line)
                account = snapshot.account_number
                states[account] = states.get(account, LoanState(account)).with_snapshot(snapshot)[0]
    with (data_dir / "payments.jsonl").open("rb") as lines:
        for line in lines:
            if orjson.loads(line)["account_number"] in states:
                account, payment = payment_from(line)
                states[account] = states[account].with_payment(payment)[0]
    return states


def loan_mismatches(conn: psycopg.Connection, states: dict[str, LoanState], on: date) -> list:
    """The sampled loans `loan_delinquency` has otherwise than the rules on ``on``: (account, stored,
    rules)."""
    views = {account: state.view(on) for account, state in states.items()}
    rows = conn.execute(
        "SELECT account_number, bucket, overdue_amount, oldest_unpaid_due FROM loan_delinquency"
        " WHERE account_number = ANY(%s)",
        (list(views),),
    ).fetchall()
    stored = {account: (bucket, overdue, oldest) for account, bucket, overdue, oldest in rows}
    wrong = []
    for account, view in sorted(views.items()):
        want = (view.bucket, view.overdue_amount, view.oldest_unpaid_due)
        if stored.get(account) != want:
            wrong.append((account, str(stored.get(account)), str(want)))
    return wrong


def _by_cif(states: dict[str, LoanState]) -> dict[str, list[LoanState]]:
    by_cif: dict[str, list[LoanState]] = {}
    for state in states.values():
        by_cif.setdefault(state.cif, []).append(state)
    return by_cif


def _views(loans: list[LoanState], on: date) -> list[LoanView]:
    return [view for state in loans if (view := state.view(on)) is not None]


def customer_mismatches(conn: psycopg.Connection, states: dict[str, LoanState]) -> tuple[int, list]:
    """(customers compared, those whose `customer_delinquency` DPD is otherwise than their worst loan's by
    the rules on the row's own business date: (cif, stored, rules)). The row's loans were written on
    different dates; its DPD must still be that date's."""
    by_cif = _by_cif(states)
    rows = conn.execute(
        "SELECT cif, business_date, max_dpd FROM customer_delinquency WHERE cif = ANY(%s)", (list(by_cif),)
    ).fetchall()
    wrong = []
    for cif, day, max_dpd in sorted(rows):
        want = max((view.dpd for view in _views(by_cif[cif], day)), default=0)
        if max_dpd != want:
            wrong.append((cif, f"{max_dpd} on {day}", str(want)))
    return len(rows), wrong


def _wanted_entry(loans: list[LoanState], on: date) -> tuple | None:
    """What an agent's queue shows of the customer on ``on`` by the rules: (dpd, bucket, overdue amount,
    currency, business date), or None when nothing is overdue (not queued)."""
    views = _views(loans, on)
    totals: dict[str, Decimal] = {}
    for view in views:
        totals[view.currency] = totals.get(view.currency, Decimal(0)) + view.overdue_amount
    accounts = [{"currency": view.currency, "dpd": view.dpd} for view in views]
    amount, currency = queued_overdue({"overdue_total": totals, "accounts": accounts})
    if amount <= 0:
        return None
    dpd = max(view.dpd for view in views)
    return dpd, bucket(dpd), amount, currency, on.isoformat()


def _shown_entry(raw: bytes | None) -> tuple | None:
    if raw is None:
        return None
    entry = orjson.loads(raw)
    return (
        entry["dpd"],
        entry["bucket"],
        Decimal(entry["overdue_amount"]),
        entry["currency"],
        entry["business_date"],
    )


def queue_mismatches(
    conn: psycopg.Connection, queues: redis.Redis, namespace: str, states: dict[str, LoanState], on: date
) -> tuple[int, list]:
    """(entries compared, those unlike the rules on ``on``: (cif @ agent, shown, rules)): each sampled
    customer's entry in the queue of every agent now assigned to them (none when nothing is overdue)."""
    by_cif = _by_cif(states)
    assigned = sorted(
        set(
            conn.execute(
                "SELECT cif, agent_id FROM agent_assignments"
                " WHERE valid_to IS NULL AND agent_id IS NOT NULL AND cif = ANY(%s)",
                (list(by_cif),),
            ).fetchall()
        )
    )
    wrong = []
    for cif, agent in assigned:
        shown = _shown_entry(queues.hget(entries_key(namespace, agent), cif))
        want = _wanted_entry(by_cif[cif], on)
        if shown != want:
            wrong.append((f"{cif} @ {agent}", str(shown), str(want)))
    return len(assigned), wrong


def _delinquency(loans: list[LoanState], on: date) -> dict:
    """The customer's `delinquency.customers` record on ``on`` as the rules make it (in the form the
    strategy processor keeps)."""
    views = {view.account_number: view for view in _views(loans, on)}
    snapshots = {state.account_number: state.snapshot for state in loans}
    worst = max((view.dpd for view in views.values()), default=0)
    return {
        "business_date": on.isoformat(),
        "max_dpd": worst,
        "bucket": bucket(worst),
        "overdue_total": {},
        "outstanding_total": {},
        "loans_delinquent": sum(1 for view in views.values() if view.dpd > 0),
        "accounts": [
            {
                "account_number": account,
                "product_type": snapshots[account].product_type,
                "currency": view.currency,
                "dpd": view.dpd,
                "bucket": view.bucket,
                "overdue_amount": str(view.overdue_amount),
                "outstanding": str(view.outstanding),
                "custom_fields": snapshots[account].custom_fields,
            }
            for account, view in sorted(views.items())
        ],
    }


def strategy_mismatches(conn: psycopg.Connection, states: dict[str, LoanState], on: date) -> tuple[int, list]:
    """(customers compared, those whose campaigns in `strategy_assignments` are not the live strategy's on
    their facts on ``on``, DPD by the rules, promises as the promises table has them and cease requests and
    disputes as the actions table does: (cif, stored,
    rules)). The processor judged each when something changed, the last time on a date of its own; with no
    condition turning since, it must be what the last date gives."""
    current = current_strategy(conn, STRATEGY_ID)
    if current is None:
        return 0, []
    live = live_strategy(
        orjson.dumps(
            current.model_dump(mode="json", include={"strategy_id", "version", "published_at", "groups"})
        )
    )
    by_cif = _by_cif(states)
    promises: dict[str, dict[str, str]] = {}
    for cif, action_id, status in conn.execute(
        "SELECT cif, action_id, status FROM promises WHERE cif = ANY(%s)", (list(by_cif),)
    ):
        promises.setdefault(cif, {})[action_id] = status
    ceased = cease_requested_among(conn, list(by_cif))
    disputed = disputed_among(conn, list(by_cif), on)
    rows = conn.execute(
        "SELECT cif, campaign_ids FROM strategy_assignments WHERE cif = ANY(%s)", (list(by_cif),)
    ).fetchall()
    wrong = []
    for cif, campaigns in sorted(rows):
        facts = customer_facts(
            cif,
            None,
            _delinquency(by_cif[cif], on),
            promises.get(cif, {}),
            [],
            cease_requested=cif in ceased,
            dispute_open=cif in disputed,
        )
        want = [campaign for _group, campaign, _loan in matches(live.compiled, facts)]
        if campaigns != want:
            wrong.append((cif, str(campaigns), str(want)))
    return len(rows), wrong


def mismatches(settings: Settings, data_dir: Path, last_business_date: str, loans: int) -> dict[str, tuple]:
    """{"loans" | "customers" | "queues" | "strategy": (compared, those unlike the rules)} for a sample of
    customers."""
    states = sampled_states(data_dir, loans)
    on = date.fromisoformat(last_business_date)
    with (
        psycopg.connect(settings.database_url, autocommit=True) as conn,
        redis.Redis.from_url(settings.redis_url) as queues,
    ):
        return {
            "loans": (len(states), loan_mismatches(conn, states, on)),
            "customers": customer_mismatches(conn, states),
            "queues": queue_mismatches(conn, queues, settings.namespace, states, on),
            "strategy": strategy_mismatches(conn, states, on),
        }

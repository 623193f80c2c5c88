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
from pathlib import Path

import orjson
import psycopg

from crm.settings import Settings
from domain.loan import LoanState
from processors.delinquency.parsing import payment_from, snapshot_from

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


def customer_mismatches(conn: psycopg.Connection, states: dict[str, LoanState]) -> tuple[int, list]:
    """(customers compared, those whose `customer_delinquency` DPD is otherwise than their worst loan's by
    the rules on the row's own business date: (cif, stored, rules)). The row's loans were written on
    different dates; its DPD must still be that date's."""
    by_cif: dict[str, list[LoanState]] = {}
    for state in states.values():
        by_cif.setdefault(state.cif, []).append(state)
    rows = conn.execute(
        "SELECT cif, business_date, max_dpd FROM customer_delinquency WHERE cif = ANY(%s)", (list(by_cif),)
    ).fetchall()
    wrong = []
    for cif, day, max_dpd in sorted(rows):
        want = max((view.dpd for state in by_cif[cif] if (view := state.view(day))), default=0)
        if max_dpd != want:
            wrong.append((cif, f"{max_dpd} on {day}", str(want)))
    return len(rows), wrong


def mismatches(
    settings: Settings, data_dir: Path, last_business_date: str, loans: int
) -> tuple[tuple[int, list], tuple[int, list]]:
    """((loans compared, loans unlike the rules), (customers compared, customers unlike the rules))."""
    states = sampled_states(data_dir, loans)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        wrong_loans = loan_mismatches(conn, states, date.fromisoformat(last_business_date))
        customers = customer_mismatches(conn, states)
    return (len(states), wrong_loans), customers

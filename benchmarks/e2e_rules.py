"""`crm bench`'s check of content, not only counts: a sample of loans as the domain rules compute them.

The sinks' figures say every row is there and nothing moves any more; they cannot say a row is right. So a
deterministic sample of loans (by a hash of the account number, about ``SAMPLE`` of them) is computed
straight from the portfolio's files with the pure rules (every snapshot and payment of the loan, on the
last business date) and compared with `loan_delinquency`. The order the processor met the events in must
not matter: that is what this catches (a date arriving while an older one was being worked off once left
loans un-aged, with every count right).
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


def _sampled(account: str, every: int) -> bool:
    return zlib.crc32(account.encode()) % every == 0


def expected_views(data_dir: Path, on: date, loans: int) -> dict:
    """The sampled loans' views on ``on``, from every snapshot and payment in the portfolio's files."""
    every = max(1, loans // SAMPLE)
    states: dict[str, LoanState] = {}
    with (data_dir / "bank.loans.jsonl").open("rb") as lines:
        for line in lines:
            if _sampled(orjson.loads(line)["account_number"], every):
                snapshot = snapshot_from(line)
                account = snapshot.account_number
                states[account] = states.get(account, LoanState(account)).with_snapshot(snapshot)[0]
    with (data_dir / "payments.jsonl").open("rb") as lines:
        for line in lines:
            if orjson.loads(line)["account_number"] in states:
                account, payment = payment_from(line)
                states[account] = states[account].with_payment(payment)[0]
    return {account: state.view(on) for account, state in states.items()}


def mismatches(settings: Settings, data_dir: Path, last_business_date: str, loans: int) -> tuple[int, list]:
    """(loans compared, those `loan_delinquency` has otherwise than the rules: account, stored, rules)."""
    views = expected_views(data_dir, date.fromisoformat(last_business_date), loans)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
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
    return len(views), wrong

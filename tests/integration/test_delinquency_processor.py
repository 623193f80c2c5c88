"""The delinquency processor end to end: a generated portfolio through real Kafka into PostgreSQL, checked
loan by loan against the pure domain rules computed straight from the same files."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
import pytest
from confluent_kafka import Producer

from contracts import AgentAction
from crm.ingest import ingest_file
from crm.settings import Settings
from domain.customer import roll_up
from domain.ledger import PaymentStatus
from domain.loan import LoanState
from domain.promises import CountedPayment, Promise, PromiseConfig, PromiseStatus, promise_status
from infra.kafka_topics import existing_topics
from infra.replay import reset_processors
from processors.delinquency.parsing import payment_from, snapshot_from
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
INPUTS = ("bank.loans", "payments", "ops.business-date", "delinquency.ticks")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    from crm.generator import generate_portfolio

    out = tmp_path_factory.mktemp("delinquency")
    generate_portfolio(out, 400, 11, workers=1, progress=False, days=20)
    _add_far_future(out)
    _move_a_loan(out)
    return out


def _move_a_loan(portfolio: Path) -> None:
    """A later snapshot of one loan (of a customer with several) under another customer, as a bank corrects
    a loan's cif, produced once the loans have records: the customer it left must stop counting it (its
    roll-up kept it for good, once). A loan without payments: their facts, keyed by the customer at the
    time, would depend on how a replay interleaves the topics."""
    latest: dict[str, dict] = {}
    for line in (portfolio / "bank.loans.jsonl").read_bytes().splitlines():
        loan = orjson.loads(line)
        known = latest.get(loan["account_number"])
        if known is None or loan["as_of"] >= known["as_of"]:
            latest[loan["account_number"]] = loan
    paid = {
        orjson.loads(line)["account_number"]
        for line in (portfolio / "payments.jsonl").read_bytes().splitlines()
    }
    loans_of = Counter(loan["cif"] for loan in latest.values())
    loan = next(x for x in latest.values() if loans_of[x["cif"]] > 1 and x["account_number"] not in paid)
    to = next(cif for cif in sorted(loans_of) if cif != loan["cif"])
    later = (datetime.fromisoformat(loan["as_of"]) + timedelta(hours=1)).isoformat()
    (portfolio / "moved-loan.jsonl").write_bytes(orjson.dumps({**loan, "cif": to, "as_of": later}) + b"\n")
    (portfolio / "moved.json").write_bytes(orjson.dumps([loan["account_number"], loan["cif"], to]))


def _add_far_future(portfolio: Path) -> None:
    """A loan and a promise dated 9999-12-31 (banks write that for "no end"): valid, and the rules add days
    to both. Once, that raised OverflowError in the delinquency and promises processors at every restart."""
    loans = (portfolio / "bank.loans.jsonl").read_bytes().splitlines()
    loan = orjson.loads(loans[0])
    far = {"due_date": "9999-12-31", "principal": "1000", "interest": "0", "paid": "0"}
    loan |= {"account_number": "LN-FAR", "cif": "C-FAR", "maturity_date": "9999-12-31", "installments": [far]}
    loan |= {"outstanding": "1000", "status": "OPEN"}
    with (portfolio / "bank.loans.jsonl").open("ab") as out:
        out.write(orjson.dumps(loan) + b"\n")
    actions = (portfolio / "agent.actions.jsonl").read_bytes().splitlines()
    action = next(a for a in map(orjson.loads, actions) if a.get("promise"))
    action |= {"action_id": "A-FAR", "cif": "C-FAR", "account_number": "LN-FAR"}
    action["follow_up_date"] = "9999-12-31"
    action["promise"] = {"date": "9999-12-31", "amount": "1000"}
    with (portfolio / "agent.actions.jsonl").open("ab") as out:
        out.write(orjson.dumps(action) + b"\n")


@pytest.fixture(scope="module")
def processed(service_addresses, run_id, cli_env, portfolio):
    """The portfolio fed to a running processor as days would bring it, plus a poison payment.

    Loans and the first business date, then the payments, then the remaining dates, each step processed
    before the next: payments land on delinquent loans (cures), later dates age the rest (roll-forwards).
    The processor ages at most TICK_CHUNK loans per message, so the first date (every loan of a partition)
    is worked off in several messages: every check of this module covers that path.
    """
    dates = (portfolio / "ops.business-date.jsonl").read_bytes().splitlines(keepends=True)
    (portfolio / "first-date.jsonl").write_bytes(dates[0])
    (portfolio / "later-dates.jsonl").write_bytes(b"".join(dates[1:]))
    steps = [
        [
            ("bank.loans", "bank.loans"),
            ("agent.actions", "agent.actions"),
            ("ops.business-date", "first-date"),
        ],
        [("payments", "payments")],
        [("ops.business-date", "later-dates")],
        [("bank.loans", "moved-loan")],
    ]
    with initialized_namespace(service_addresses, f"d{run_id}", cli_env) as (settings, env):
        group = f"{settings.namespace}crm-delinquency"
        inputs = [physical_name(t, settings) for t in INPUTS]
        process = _start({**env, "CRM_DELINQUENCY_TICK_CHUNK": str(TICK_CHUNK)})
        try:
            for step in steps:
                for topic, file in step:
                    report = ingest_file(settings, topic, portfolio / f"{file}.jsonl")
                    assert report.ok, report.rejections[:3]
                wait_caught_up(settings.kafka_brokers, group, inputs, 240)
            poison = Producer({"bootstrap.servers": settings.kafka_brokers})
            poison.produce(
                physical_name("payments", settings), b'{"reference_number": "X", "amount": "lots"}', b"LNX"
            )
            poison.produce(physical_name("agent.actions", settings), b'{"action_id": "BAD", "cif": 7}', b"CX")
            poison.produce(physical_name("ops.business-date", settings), _typed_wrong(dates[-1]), b"MAIN")
            future = _snapshot_from_the_future(portfolio)
            poison.produce(
                physical_name("bank.loans", settings), orjson.dumps(future), future["account_number"]
            )
            poison.flush()
            _wait_for_all(settings)
        finally:
            _stop(process)
        yield settings


def _snapshot_from_the_future(portfolio: Path) -> dict:
    """The first loan again, all paid, as of 2062: had it been taken, it would replace every later snapshot
    of the loan until then."""
    loans = (orjson.loads(line) for line in (portfolio / "bank.loans.jsonl").read_bytes().splitlines())
    loan = next(loan for loan in loans if loan["status"] == "OPEN" and Decimal(loan["outstanding"]) > 100)
    return {**loan, "outstanding": "0.00", "as_of": "2062-01-31T20:00:00+07:00"}


def _typed_wrong(last_date: bytes) -> bytes:
    """The last business date with its decade typed wrong (2062 for 2026): dead-lettered, nothing aged."""
    day = date.fromisoformat(orjson.loads(last_date)["date"])
    return orjson.dumps({"date": day.replace(year=day.year + 36).isoformat(), "bank": "MAIN"})


PROCESSORS = ("delinquency", "rollup", "promises")
TICK_CHUNK = 25  # about 110 loans per partition


def test_a_date_tick_larger_than_a_chunk_was_sent_again_until_worked_off(processed, portfolio):
    """The ticks topic holds the fan-out (one tick per date and partition) and the continuations."""
    dates = len((portfolio / "ops.business-date.jsonl").read_bytes().splitlines())
    ticks = read_all(processed.kafka_brokers, physical_name("delinquency.ticks", processed), timeout=20)
    fanned_out = dates * processed.topic_partitions
    assert len(ticks) >= fanned_out + processed.topic_partitions * 3  # the first date: 4+ chunks each


def _start(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crm", "run", *PROCESSORS],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output[-3000:]


def _wait_for_all(settings) -> None:
    """Every processor caught up, in pipeline order (each one's inputs are complete once the former is)."""
    brokers, ns = settings.kafka_brokers, settings.namespace
    wait_caught_up(brokers, f"{ns}crm-delinquency", [physical_name(t, settings) for t in INPUTS], 240)
    rollup_inputs = [physical_name("delinquency.loans", settings)]
    rollup_inputs += [t for t in existing_topics(settings) if t.startswith(f"repartition__{ns}crm-rollup")]
    wait_caught_up(brokers, f"{ns}crm-rollup", rollup_inputs, 120)
    promise_inputs = [physical_name(t, settings) for t in ("agent.actions", "delinquency.payments")]
    wait_caught_up(brokers, f"{ns}crm-promises", promise_inputs + [physical_name(INPUTS[-1], settings)], 120)


def expected_views(portfolio: Path) -> dict:
    """Each loan as the domain rules see it after every event in the files, on the last business date."""
    states: dict[str, LoanState] = {}
    moved = portfolio / "moved-loan.jsonl"  # this module's portfolio's, produced last
    lines = (portfolio / "bank.loans.jsonl").read_bytes().splitlines()
    for line in [*lines, *(moved.read_bytes().splitlines() if moved.exists() else [])]:
        snapshot = snapshot_from(line)
        states[snapshot.account_number] = LoanState(snapshot.account_number).with_snapshot(snapshot)[0]
    for line in (portfolio / "payments.jsonl").read_bytes().splitlines():
        account, event = payment_from(line)
        states[account] = states[account].with_payment(event)[0]
    last = max(
        date.fromisoformat(orjson.loads(d)["date"])
        for d in (portfolio / "ops.business-date.jsonl").read_bytes().splitlines()
    )
    return {account: state.view(last) for account, state in states.items()}, last


def test_every_loan_matches_the_domain_rules(processed, portfolio):
    expected, last = expected_views(portfolio)
    with psycopg.connect(processed.database_url) as conn:
        rows = conn.execute(
            "SELECT account_number, bucket, overdue_amount, outstanding, oldest_unpaid_due, business_date"
            " FROM loan_delinquency"
        ).fetchall()
    assert len(rows) == len(expected)
    mismatches = []
    for account, bucket, overdue, outstanding, oldest, _written_on in rows:
        view = expected[account]
        got = (bucket, Decimal(overdue), Decimal(outstanding), oldest)
        want = (view.bucket, view.overdue_amount, view.outstanding, view.oldest_unpaid_due)
        if got != want:
            mismatches.append((account, got, want))
    assert not mismatches, mismatches[:5]
    delinquent = [v for v in expected.values() if v.dpd > 0]
    assert delinquent, "the portfolio should have delinquent loans"
    for view in delinquent[:20]:  # DPD is derivable from the stored oldest unpaid due date
        assert (last - view.oldest_unpaid_due).days == view.dpd


def test_transitions_are_recorded(processed):
    with psycopg.connect(processed.database_url) as conn:
        kinds = dict(
            conn.execute("SELECT kind, count(*) FROM delinquency_transitions GROUP BY kind").fetchall()
        )
    assert kinds.get("ENTRY", 0) > 0 and kinds.get("ROLL_FORWARD", 0) > 0 and kinds.get("CURE", 0) > 0


def test_the_poison_payment_is_dead_lettered_with_its_reason(processed):
    [(key, value)] = read_all(
        processed.kafka_brokers, physical_name("payments.dlq", processed), 1, timeout=30
    )
    letter = orjson.loads(value)
    assert key == b"LNX"
    assert letter["source_topic"] == "payments" and letter["processor"] == "delinquency"
    assert "amount" in letter["error"] and letter["value"].startswith('{"reference_number": "X"')


def test_a_loan_snapshot_dated_after_it_was_sent_is_dead_lettered_and_changes_nothing(processed, portfolio):
    [(key, value)] = read_all(
        processed.kafka_brokers, physical_name("bank.loans.dlq", processed), 1, timeout=30
    )
    letter, future = orjson.loads(value), _snapshot_from_the_future(portfolio)
    assert key == future["account_number"].encode() and letter["processor"] == "delinquency"
    assert letter["error"].startswith("as_of: 2062-01-31T20:00:00+07:00 is more than a day after the message")
    with psycopg.connect(processed.database_url) as conn:
        outstanding = conn.execute(
            "SELECT outstanding FROM loan_delinquency WHERE account_number = %s", (key.decode(),)
        ).fetchone()[0]
    assert outstanding > 0  # the snapshot the bank sent before, not the one from 2062


def test_a_business_date_too_far_after_the_latest_is_dead_lettered_and_ages_nothing(processed, portfolio):
    """Every loan's business date stays the last real one (`test_every_loan_matches_the_domain_rules`)."""
    [(key, value)] = read_all(
        processed.kafka_brokers, physical_name("ops.business-date.dlq", processed), 1, timeout=30
    )
    letter = orjson.loads(value)
    _expected, last = expected_views(portfolio)
    assert key == b"MAIN" and letter["processor"] == "delinquency"
    assert letter["error"].startswith(f"business date {last.replace(year=last.year + 36)} is 13,1"), letter
    assert f"days after the latest, {last}; one date may move at most 31 days" in letter["error"]
    with psycopg.connect(processed.database_url) as conn:
        assert conn.execute("SELECT max(business_date) FROM loan_delinquency").fetchone()[0] == last


def test_a_bad_action_is_dead_lettered_by_the_promises_processor(processed):
    [(key, value)] = read_all(
        processed.kafka_brokers, physical_name("agent.actions.dlq", processed), 1, timeout=30
    )
    letter = orjson.loads(value)
    assert key == b"CX" and letter["processor"] == "promises" and "cif" in letter["error"]


def test_a_loan_and_a_promise_dated_9999_12_31_are_processed(processed):
    with psycopg.connect(processed.database_url) as conn:
        loan = conn.execute(
            "SELECT bucket, dpd, next_event FROM loan_delinquency WHERE account_number = 'LN-FAR'"
        ).fetchone()
        promise = conn.execute("SELECT status FROM promises WHERE action_id = 'A-FAR'").fetchone()
    assert loan == ("CURRENT", 0, date.max) and promise == ("PENDING",)


def test_each_customer_is_as_late_as_their_worst_loan(processed, portfolio):
    expected, last = expected_views(portfolio)
    by_customer: dict[str, list] = {}
    for view in expected.values():
        by_customer.setdefault(view.cif, []).append(view)
    with psycopg.connect(processed.database_url) as conn:
        rows = conn.execute(
            "SELECT cif, bucket, overdue_total, outstanding_total, loans, oldest_unpaid_due"
            " FROM customer_delinquency"
        ).fetchall()
    assert len(rows) == len(by_customer)
    for cif, bucket, overdue, outstanding, loans, oldest in rows:
        want = roll_up(cif, by_customer[cif])
        assert bucket == want.bucket, cif
        assert {c: Decimal(a) for c, a in overdue.items()} == want.overdue_total
        assert {c: Decimal(a) for c, a in outstanding.items()} == want.outstanding_total
        assert loans == want.loans
        if want.max_dpd:
            assert (last - oldest).days == want.max_dpd


def test_a_loan_moved_to_another_customer_counts_only_there(processed, portfolio):
    account, left, to = orjson.loads((portfolio / "moved.json").read_bytes())
    expected, _last = expected_views(portfolio)
    remaining = sum(1 for view in expected.values() if view.cif == left)
    with psycopg.connect(processed.database_url) as conn:
        counted = dict(
            conn.execute(
                "SELECT cif, loans FROM customer_delinquency WHERE cif IN (%s, %s)", (left, to)
            ).fetchall()
        )
        owner = conn.execute(
            "SELECT cif FROM loan_delinquency WHERE account_number = %s", (account,)
        ).fetchone()
    assert counted[left] == remaining and owner == (to,)
    assert counted[to] == sum(1 for view in expected.values() if view.cif == to)


def expected_promises(portfolio: Path) -> dict:
    """Each promise in the actions file judged by the domain rules over the customer's payments."""
    cif_of = {
        orjson.loads(line)["account_number"]: orjson.loads(line)["cif"]
        for line in (portfolio / "bank.loans.jsonl").read_bytes().splitlines()
    }
    payments: dict[str, list] = {}
    undone = set()
    for line in (portfolio / "payments.jsonl").read_bytes().splitlines():
        account, event = payment_from(line)
        if event.status is PaymentStatus.REVERSED:
            undone.add(event.reverses)
        elif event.status is PaymentStatus.COMPLETED:
            payments.setdefault(cif_of[account], []).append(
                (event.reference, account, event.paid_at.date(), event.amount)
            )
    last = max(
        date.fromisoformat(orjson.loads(d)["date"])
        for d in (portfolio / "ops.business-date.jsonl").read_bytes().splitlines()
    )
    config = PromiseConfig(grace_days=Settings().promise_grace_days, tolerance=Settings().promise_tolerance)
    expected = {}
    for line in (portfolio / "agent.actions.jsonl").read_bytes().splitlines():
        action = AgentAction.model_validate_json(line)
        if action.promise is None:
            continue
        mine = payments.get(action.cif, [])
        counted = [CountedPayment(acc, day, amount, ref in undone) for ref, acc, day, amount in mine]
        as_of = max([last, action.at.date(), *(day for _r, _a, day, _m in mine)])
        promise = Promise(
            action.action_id,
            action.cif,
            action.account_number,
            action.at.date(),
            action.promise.date,
            action.promise.amount,
        )
        expected[action.action_id] = promise_status(promise, counted, as_of, config)
    return expected


def test_every_valid_action_lands_in_the_actions_table(processed, portfolio):
    actions = [
        AgentAction.model_validate_json(line)
        for line in (portfolio / "agent.actions.jsonl").read_bytes().splitlines()
    ]
    with psycopg.connect(processed.database_url) as conn:
        rows = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT action_id, cif, agent_id, result, at, promise_date, promise_amount, day FROM actions"
            )
        }
    assert rows and "BAD" not in rows
    assert rows == {
        a.action_id: (
            a.cif,
            a.agent_id,
            a.result,
            a.at,
            a.promise.date if a.promise else None,
            a.promise.amount if a.promise else None,
            a.at.date(),  # the day in the action's own offset
        )
        for a in actions
        if a.promise is None or a.promise.date >= a.at.date()  # an impossible promise is dead-lettered
    }


def _aggregates_match_a_rebuild(settings) -> dict[str, list[tuple]]:
    """The dashboard aggregates the triggers kept while the sinks wrote equal a recomputation."""
    from api.queries.dashboard import rebuild_aggregates

    with psycopg.connect(settings.database_url, autocommit=True) as conn:

        def dump() -> dict[str, list[tuple]]:
            return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall()) for table in AGGREGATES}

        kept = dump()
        rebuild_aggregates(conn)
        assert dump() == kept
    assert kept["agg_buckets"] and kept["agg_promises"]
    return kept


def test_the_dashboard_aggregates_kept_by_triggers_equal_a_rebuild(processed):
    assert _aggregates_match_a_rebuild(processed)["agg_transitions"]


def test_every_promise_is_kept_or_broken_as_the_domain_rules_say(processed, portfolio):
    expected = expected_promises(portfolio)
    assert {status for status, _paid in expected.values()} >= {PromiseStatus.KEPT, PromiseStatus.BROKEN}
    with psycopg.connect(processed.database_url) as conn:
        rows = conn.execute("SELECT action_id, status, paid FROM promises").fetchall()
    got = {action_id: (PromiseStatus(status), Decimal(paid)) for action_id, status, paid in rows}
    assert got == expected


# Columns that record when a row was last written (the business date then, DPD on that date, a change
# counter), not what it says: a replay reads the topics in another interleaving, so they may differ.
WRITE_METADATA = {"revision", "business_date", "dpd", "max_dpd", "evaluated_on"}
STATE_TABLES = {
    "loan_delinquency": "account_number",
    "customer_delinquency": "cif",
    "promises": "action_id",
    "actions": "action_id",
}
AGGREGATES = (
    "agg_buckets",
    "agg_collected",
    "agg_promises",
    "agg_transitions",
    "agg_agent_workload",
    "agg_actions",
    "agg_agent_actions",
    "agg_agent_promises",
)


def _dump(settings) -> dict[str, list[tuple]]:
    dumps = {}
    with psycopg.connect(settings.database_url) as conn:
        for table, key in STATE_TABLES.items():
            columns = [
                c
                for (c,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                    " AND table_schema = current_schema() ORDER BY ordinal_position",
                    (table,),
                ).fetchall()
                if c not in WRITE_METADATA
            ]
            select = ", ".join(f"{c}::text" for c in columns)
            dumps[table] = conn.execute(f"SELECT {select} FROM {table} ORDER BY {key}").fetchall()
    return dumps


def test_a_replay_from_offset_zero_into_empty_tables_rebuilds_them_identically(processed, cli_env):
    before = _dump(processed)
    assert all(before.values())
    with psycopg.connect(processed.database_url, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join([*STATE_TABLES, "delinquency_transitions"]))
    reset_processors(processed, PROCESSORS)
    env = {**cli_env, "CRM_NAMESPACE": processed.namespace, "CRM_DATABASE_URL": processed.database_url}
    process = _start(env)
    try:
        _wait_for_all(processed)
    finally:
        _stop(process)
    assert _dump(processed) == before
    _aggregates_match_a_rebuild(processed)  # TRUNCATE emptied them; the replay's writes filled them again

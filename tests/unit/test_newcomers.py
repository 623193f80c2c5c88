"""The demo's customers who have just fallen behind (`crm.generator.newcomers`): valid bank messages, a few
days past due by the business date they come on, numbers no portfolio or other date uses, and only as
many as bring the early bucket back to the portfolio's share."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
import pytest

from contracts import INBOUND
from contracts.common import under_key
from crm.generator.newcomers import (
    EARLY_SHARE,
    PER_DAY,
    early_target,
    newcomer,
    newcomer_index,
    newcomers_due,
)
from crm.simulator import ActivitySimulator
from domain.schedule import Installment, days_past_due, in_due_order
from topics import get_topic

DAY = date(2027, 3, 16)
NOW = datetime(2027, 3, 16, 2, 30, tzinfo=UTC)  # the clock when the date came, before the evening's snapshot


def _days_past_due(loan: dict, on: date) -> int:
    rows = in_due_order(
        Installment(
            date.fromisoformat(row["due_date"]),
            Decimal(row["principal"]),
            Decimal(row["interest"]),
            Decimal(row["fees"]),
            Decimal(row["penalty"]),
            Decimal(row["paid"]),
        )
        for row in loan["installments"]
    )
    return days_past_due(rows, on)


@pytest.mark.parametrize("seed", range(40))
def test_a_newcomer_is_valid_and_a_few_days_behind_on_the_date_it_comes(seed):
    events = list(newcomer(random.Random(seed), newcomer_index(DAY, seed), DAY, NOW))
    topics = [topic for topic, _key, _record in events]
    assert topics[0] == "bank.customers" and 1 <= topics.count("bank.loans") <= 2
    cif = events[0][2]["cif"]
    assert cif == f"C{newcomer_index(DAY, seed):09d}"
    loans = []
    for topic, key, record in events:
        INBOUND[topic].model_validate_json(orjson.dumps(record))  # as the processors will read it
        assert key == record[get_topic(topic).key_field]
        if topic == "bank.loans":
            assert record["cif"] == cif and record["status"] == "OPEN"
            # the bank's snapshot of the evening before: the simulator's payments of the day come after it
            assert datetime.fromisoformat(record["as_of"]) == datetime(2027, 3, 15, 13, tzinfo=UTC)
            loans.append(record)
    assert 2 <= _days_past_due(loans[0], DAY) <= 7
    assert all(_days_past_due(loan, DAY) == 0 for loan in loans[1:])
    assert "ref_cif" not in orjson.dumps(events[0][2]).decode()  # refers to no one it was not made with


def test_newcomers_numbers_are_far_from_a_portfolio_s_and_from_other_dates():
    first, last = newcomer_index(DAY, 0), newcomer_index(DAY, PER_DAY - 1)
    assert first > 500_000_000 and len(str(last)) == 9  # a generated portfolio numbers from 1
    assert newcomer_index(date(2027, 3, 17), 0) == last + 1
    with pytest.raises(ValueError, match="at most 1000 newcomers a business date"):
        newcomer_index(DAY, PER_DAY)


def test_only_enough_fall_behind_to_bring_the_early_bucket_back_to_the_portfolio_s_share():
    assert pytest.approx(0.09) == EARLY_SHARE  # the generator's 1-29 days weight
    assert early_target(10_000) == 900
    assert newcomers_due(900, 550) == 60  # a deficit is made up over about 15 business days
    assert newcomers_due(900, 880) == 20
    assert newcomers_due(900, 900) == 0 and newcomers_due(900, 1_200) == 0
    assert newcomers_due(18, 0) == 2  # a tiny portfolio still gets some
    assert newcomers_due(0, 0) == 0
    assert newcomers_due(50_000, 0) == PER_DAY  # never more than a date's numbers


def test_the_simulator_counts_them_and_makes_each_date_s_own():
    simulator = ActivitySimulator(settings=None, rate=1, seed=3)
    simulator._early_target = 900
    events = simulator.newcomers(DAY, early_now=870, now=NOW)
    customers = [record["cif"] for topic, _key, record in events if topic == "bank.customers"]
    assert len(customers) == len(set(customers)) == 30 and simulator.counts.fell_behind == 30
    tomorrow = simulator.newcomers(date(2027, 3, 17), early_now=870, now=NOW)
    assert not {record["cif"] for _t, _k, record in tomorrow} & set(customers)
    assert simulator.counts.describe().endswith(", 60 customers newly behind")


def test_in_a_demo_whose_date_runs_ahead_a_newcomer_s_snapshot_is_of_the_moment_it_is_sent():
    """A snapshot cannot be of a moment after it is sent (`contracts.loans.AS_OF_MAX_AHEAD`): a demo's
    business date runs months ahead of the clock, so its newcomers' loans are as of the clock."""
    clock = datetime(2026, 12, 7, 16, 5, tzinfo=UTC)
    events = list(newcomer(random.Random(1), newcomer_index(DAY, 1), DAY, clock))
    loans = [record for topic, _key, record in events if topic == "bank.loans"]
    assert loans and {datetime.fromisoformat(loan["as_of"]) for loan in loans} == {clock}
    for loan in loans:
        INBOUND["bank.loans"].model_validate_json(
            orjson.dumps(loan), context=under_key(loan["account_number"], int(clock.timestamp() * 1000))
        )

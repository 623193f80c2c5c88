from processors.rollup.logic import on_loan_record
from tests.fakes import DictState


def record(account, revision, dpd, bucket, overdue, oldest=None, currency="VND"):
    return {
        "account_number": account,
        "cif": "C1",
        "currency": currency,
        "business_date": "2026-02-10",
        "dpd": dpd,
        "bucket": bucket,
        "overdue_amount": overdue,
        "outstanding": "100",
        "oldest_unpaid_due": oldest,
        "revision": revision,
    }


def test_the_customer_follows_the_worst_loan_and_ignores_stale_records():
    state = DictState({}, "C1")
    on_loan_record(state, record("LN1", 1, 0, "CURRENT", "0"))
    out = on_loan_record(state, record("LN2", 1, 40, "30-59", "250", "2026-01-01"))
    assert (out["max_dpd"], out["bucket"], out["overdue_total"], out["loans_delinquent"]) == (
        40,
        "30-59",
        {"VND": "250"},
        1,
    )
    assert out["oldest_unpaid_due"] == "2026-01-01"
    assert on_loan_record(state, record("LN2", 1, 40, "30-59", "250", "2026-01-01")) is None  # redelivered
    cured = on_loan_record(state, record("LN2", 2, 0, "CURRENT", "0"))
    assert (cured["bucket"], cured["oldest_unpaid_due"], cured["revision"]) == (
        "CURRENT",
        None,
        out["revision"] + 1,
    )
    mixed = on_loan_record(state, record("LN3", 1, 5, "1-29", "7", "2026-02-05", currency="USD"))
    assert mixed["overdue_total"] == {"USD": "7", "VND": "0"} and mixed["outstanding_total"] == {
        "USD": "100",
        "VND": "200",
    }


def test_a_loan_written_days_before_another_is_quoted_as_of_the_newer_record():
    state = DictState({}, "C1")
    on_loan_record(
        state, {**record("LN1", 1, 30, "30-59", "250", "2026-01-01"), "business_date": "2026-01-31"}
    )
    out = on_loan_record(state, record("LN2", 1, 0, "CURRENT", "0"))  # a payment on 10 Feb
    assert (out["business_date"], out["max_dpd"], out["bucket"]) == ("2026-02-10", 40, "30-59")
    assert [(a["account_number"], a["dpd"], a["bucket"]) for a in out["accounts"]] == [
        ("LN1", 40, "30-59"),
        ("LN2", 0, "CURRENT"),
    ]


def test_each_loans_status_is_carried_to_the_customer_record():
    state = DictState({}, "C1")
    on_loan_record(state, {**record("LN1", 1, 0, "CURRENT", "0"), "status": "CLOSED"})
    out = on_loan_record(state, record("LN2", 1, 5, "1-29", "7", "2026-02-05"))  # stored before status: OPEN
    assert [(a["account_number"], a["status"]) for a in out["accounts"]] == [
        ("LN1", "CLOSED"),
        ("LN2", "OPEN"),
    ]


def test_a_loan_moved_to_another_customer_leaves_the_one_it_left_and_cannot_come_back_late():
    state = DictState({}, "C1")
    on_loan_record(state, record("LN1", 1, 0, "CURRENT", "0"))
    on_loan_record(state, record("LN2", 1, 40, "30-59", "250", "2026-01-01"))
    left = on_loan_record(state, {**record("LN2", 2, 40, "30-59", "250", "2026-01-01"), "departed": True})
    assert (left["max_dpd"], left["bucket"], left["loans"], left["overdue_total"]) == (
        0,
        "CURRENT",
        1,
        {"VND": "0"},
    )
    assert [a["account_number"] for a in left["accounts"]] == ["LN1"]
    assert on_loan_record(state, record("LN2", 1, 40, "30-59", "250", "2026-01-01")) is None  # redelivered
    assert on_loan_record(state, {**record("LN2", 2, 0, "CURRENT", "0"), "departed": True}) is None
    gone = on_loan_record(state, {**record("LN1", 2, 0, "CURRENT", "0"), "departed": True})
    assert (gone["cif"], gone["loans"], gone["max_dpd"], gone["accounts"]) == ("C1", 0, 0, [])
    assert (gone["overdue_total"], gone["business_date"]) == ({}, "2026-02-10")
    back = on_loan_record(state, record("LN2", 5, 10, "1-29", "80", "2026-01-31"))  # moved back later
    assert (back["loans"], back["max_dpd"]) == (1, 10)
    assert (
        on_loan_record(DictState({}, "C9"), {**record("LN7", 3, 0, "CURRENT", "0"), "departed": True}) is None
    )

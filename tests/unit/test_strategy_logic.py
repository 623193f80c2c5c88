"""The strategy processor's rules over a dict-backed state store (the app wires the same functions)."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from processors.strategy import logic
from processors.strategy.app import live_strategy
from tests.fakes import DictState


def strategy(version=1, late_dpd=30):
    return live_strategy(
        orjson.dumps(
            {
                "strategy_id": "default",
                "version": version,
                "published_at": "2026-03-01T09:00:00+00:00",
                "groups": [
                    {
                        "id": "CALLS",
                        "name": "Call campaigns",
                        "campaigns": [
                            {
                                "id": "LATE",
                                "name": "Late payers",
                                "priority": 1,
                                "conditions": [
                                    {"field": "delinquency.max_dpd", "operator": ">=", "value": late_dpd},
                                    {"field": "loan.product_type", "operator": "=", "value": "AUTO_LOAN"},
                                ],
                                "contact_rules": [{"phone_types": ["MOBILE"]}],
                                "team": "T1",
                                "agent_type": "CALL",
                            },
                            {
                                "id": "EARLY",
                                "name": "Early",
                                "priority": 2,
                                "conditions": [{"field": "delinquency.max_dpd", "operator": ">", "value": 0}],
                            },
                        ],
                    },
                    {
                        "id": "LETTERS",
                        "name": "Letters",
                        "campaigns": [
                            {
                                "id": "BROKEN",
                                "name": "Broke a promise",
                                "priority": 1,
                                "conditions": [
                                    {"field": "delinquency.broken_promises", "operator": ">=", "value": 1}
                                ],
                            }
                        ],
                    },
                ],
            }
        )
    )


@pytest.fixture
def state_of():
    store: dict = {}
    return lambda prefix: DictState(store, prefix)


def delinquency(dpd=45, revision=1, product="AUTO_LOAN"):
    return {
        "cif": "C1",
        "business_date": "2026-03-10",
        "max_dpd": dpd,
        "bucket": "30-59" if dpd >= 30 else ("1-29" if dpd else "CURRENT"),
        "overdue_total": {"VND": "1000" if dpd else "0"},
        "outstanding_total": {"VND": "9000"},
        "loans": 1,
        "loans_delinquent": 1 if dpd else 0,
        "revision": revision,
        "accounts": [
            {
                "account_number": "LN1",
                "product_type": product,
                "currency": "VND",
                "dpd": dpd,
                "bucket": "30-59",
                "overdue_amount": "1000",
                "outstanding": "9000",
                "oldest_unpaid_due": "2026-01-24",
                "custom_fields": {"risk_score": "0.8"},
            }
        ],
    }


CUSTOMER = {
    "cif": "C1",
    "type": "INDIVIDUAL",
    "name": "Nguyễn Văn A",
    "segment": "MASS",
    "status": "ACTIVE",
    "timezone": "Asia/Ho_Chi_Minh",
    "updated_at": "2026-03-01T00:00:00+07:00",
    "phones": [
        {"type": "MOBILE", "number": "+84 90 000 0001", "is_primary": True, "is_verified": True},
        {"type": "HOME", "number": "+84 28 000 0002", "is_primary": False, "is_verified": True},
    ],
}


def campaigns(outputs):
    [(_topic, _key, record)] = outputs
    return [(c["group_id"], c["campaign_id"]) for c in record["campaigns"]]


def test_the_first_matching_campaign_of_each_group_with_its_contacts_and_allocation_needs(state_of):
    live = strategy()
    logic.on_customer(state_of, CUSTOMER, lambda: live)
    [(_t, key, record)] = logic.on_delinquency(state_of, delinquency(), lambda: live)
    assert key == "C1" and record["strategy_version"] == 1 and record["delinquent"]
    [late] = record["campaigns"]
    assert (late["campaign_id"], late["team"], late["agent_type"], late["matched_loan"]) == (
        "LATE",
        "T1",
        "CALL",
        "LN1",
    )
    assert [c["value"] for c in late["contacts"]] == ["+84 90 000 0001"]
    assert "max_dpd" in late["reason"] and record["products"] == ["AUTO_LOAN"]


def test_priority_order_and_group_independence(state_of):
    live = strategy()
    assert campaigns(logic.on_delinquency(state_of, delinquency(dpd=10), lambda: live)) == [
        ("CALLS", "EARLY")
    ]
    promise = {"cif": "C1", "action_id": "A1", "status": "BROKEN"}
    assert campaigns(logic.on_promise(state_of, promise, lambda: live)) == [
        ("CALLS", "EARLY"),
        ("LETTERS", "BROKEN"),
    ]


def test_nothing_is_emitted_when_nothing_that_matters_changed(state_of):
    live = strategy()
    logic.on_delinquency(state_of, delinquency(dpd=45), lambda: live)
    assert (
        logic.on_delinquency(state_of, delinquency(dpd=46, revision=2), lambda: live) == []
    )  # same campaigns
    assert (
        logic.on_delinquency(state_of, delinquency(dpd=47, revision=1), lambda: live) == []
    )  # an older record
    cured = logic.on_delinquency(state_of, delinquency(dpd=0, revision=3), lambda: live)
    assert campaigns(cured) == []  # left every campaign: said once, so the queues and allocation hear it


def test_a_wrong_number_is_not_selected_any_more(state_of):
    live = strategy()
    logic.on_customer(state_of, CUSTOMER, lambda: live)
    logic.on_delinquency(state_of, delinquency(), lambda: live)
    action = {
        "cif": "C1",
        "result": "WRONG_NUMBER",
        "at": "2026-03-02T10:00:00+07:00",
        "contact": {"channel": "PHONE", "number": "+84900000001"},
    }
    [(_t, _k, record)] = logic.on_action(state_of, action, lambda: live)
    assert record["campaigns"][0]["contacts"] == []
    assert logic.on_action(state_of, action, lambda: live) == []  # redelivered
    assert logic.on_action(state_of, {**action, "result": "NO_ANSWER"}, lambda: live) == []


def wrong_or_reached(result: str, at: str, number: str = "+84 90 000 0001") -> dict:
    contact = {"channel": "PHONE", "number": number}
    return {"cif": "C1", "result": result, "at": at, "contact": contact}


def test_a_number_reported_wrong_is_selected_again_once_a_later_call_on_it_reaches_the_customer(state_of):
    live = strategy()
    logic.on_customer(state_of, CUSTOMER, lambda: live)
    logic.on_delinquency(state_of, delinquency(), lambda: live)
    mobile = ["+84 90 000 0001"]
    report = wrong_or_reached("WRONG_NUMBER", "2026-03-02T10:00:00+07:00", "84900000001")
    assert selected(logic.on_action(state_of, report, lambda: live)) == []
    # an attempt that reached nobody, and a reach dated before the report (recorded late), change nothing
    assert (
        logic.on_action(state_of, wrong_or_reached("NO_ANSWER", "2026-03-03T09:00:00Z"), lambda: live) == []
    )
    earlier = wrong_or_reached("PROMISE_TO_PAY", "2026-03-02T02:59:59Z")
    assert logic.on_action(state_of, earlier, lambda: live) == []
    # the same moment as the report: it stays flagged
    assert logic.on_action(state_of, wrong_or_reached("CALLBACK", "2026-03-02T03:00:00Z"), lambda: live) == []
    reached = wrong_or_reached("CALLBACK", "2026-03-02T03:00:00.5Z", "(+84) 90-000-0001")
    assert selected(logic.on_action(state_of, reached, lambda: live)) == mobile
    assert logic.on_action(state_of, reached, lambda: live) == []  # redelivered
    # reported wrong again later: dropped again
    again = wrong_or_reached("WRONG_NUMBER", "2026-03-05T09:00:00Z")
    assert selected(logic.on_action(state_of, again, lambda: live)) == []


def test_a_reach_that_arrives_before_an_older_report_keeps_the_number(state_of):
    """Order of arrival does not matter, only ``at``: the same actions in either order end the same."""
    report = wrong_or_reached("WRONG_NUMBER", "2026-03-02T03:00:00Z")
    reach = wrong_or_reached("PAID", "2026-03-04T03:00:00Z")
    live = strategy()
    ends = []
    for order in ((report, reach), (reach, report)):
        store: dict = {}
        state = lambda prefix, store=store: DictState(store, prefix)  # noqa: E731
        logic.on_customer(state, CUSTOMER, lambda: live)
        logic.on_delinquency(state, delinquency(), lambda: live)
        for action in order:
            logic.on_action(state, action, lambda: live)
        ends.append((state("C1").get("flagged", []), state("C1").get("emitted")))
    assert ends[0] == ends[1] and ends[0][0] == []


def test_numbers_flagged_before_report_times_were_kept_are_cleared_by_any_reach(state_of):
    live = strategy()
    logic.on_customer(state_of, CUSTOMER, lambda: live)
    logic.on_delinquency(state_of, delinquency(), lambda: live)
    state_of("C1").set("flagged", ["+84 90 000 0001", "+84 28 000 0002"])  # as an older processor kept them
    logic.on_delinquency(state_of, delinquency(revision=2), lambda: live)
    reached = wrong_or_reached("REFUSED", "2026-01-01T00:00:00Z")
    assert selected(logic.on_action(state_of, reached, lambda: live)) == ["+84 90 000 0001"]
    assert state_of("C1").get("flagged") == ["+84 28 000 0002"]


def test_a_new_version_applies_on_the_next_event_or_to_everyone_on_request(state_of):
    live = strategy()
    logic.on_delinquency(state_of, delinquency(dpd=45), lambda: live)
    stricter = strategy(version=2, late_dpd=60)
    [(_t, _k, record)] = logic.on_reevaluate(state_of, lambda: stricter)
    assert record["strategy_version"] == 2 and campaigns([(_t, _k, record)]) == [("CALLS", "EARLY")]
    assert logic.on_reevaluate(state_of, lambda: stricter) == []  # already under version 2


def _partition_of(customers: int, dpd_of=lambda n: 20 + n % 50):
    """A fresh store with ``customers`` customers evaluated under version 1, and its state_of."""
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    live = strategy()
    for n in range(customers):
        logic.on_delinquency(state_of, {**delinquency(dpd=dpd_of(n)), "cif": f"C{n:03}"}, lambda: live)
    return store, state_of


REQUEST = {"strategy_id": "default", "version": 2, "requested_at": "2026-03-10T09:00:00+00:00"}


def _continued(state_of, live, request: dict, limit: int) -> tuple[list, int]:
    """The request's continuations until done, as the processor sends them: outputs and parts."""
    outputs, done, parts = [], False, 0
    while not done:
        more, done = logic.reevaluate_part(state_of, lambda: live, {**request, "continued": True}, limit)
        outputs.extend(more)
        parts += 1
    return outputs, parts


@pytest.mark.parametrize("limit", [1, 7, 40, 1_000])
def test_a_re_evaluation_in_parts_emits_and_keeps_what_the_whole_does(limit):
    stricter = strategy(version=2, late_dpd=60)
    whole_store, whole = _partition_of(40)
    expected = logic.on_reevaluate(whole, lambda: stricter)
    store, state_of = _partition_of(40)
    outputs, done = logic.reevaluate_part(state_of, lambda: stricter, REQUEST, limit)
    rest, parts = _continued(state_of, stricter, REQUEST, limit) if not done else ([], 0)
    assert (
        outputs + rest == expected and len(expected) == 40
    )  # every customer moves to version 2, in cif order
    assert store == whole_store  # the progress gone once done
    assert parts + 1 == -(-40 // limit)


def test_a_newer_request_mid_way_starts_over_and_other_continuations_change_nothing():
    stricter, newest = strategy(version=2, late_dpd=60), strategy(version=3, late_dpd=40)
    _, state_of = _partition_of(40)
    first, done = logic.reevaluate_part(state_of, lambda: stricter, REQUEST, 10)
    assert not done and len(first) == 10
    newer = {**REQUEST, "version": 3, "requested_at": "2026-03-10T09:05:00+00:00"}
    again, done = logic.reevaluate_part(state_of, lambda: newest, newer, 10)
    assert not done and [key for _t, key, _r in again] == [f"C{n:03}" for n in range(10)]  # from the start
    assert logic.reevaluate_part(state_of, lambda: newest, {**REQUEST, "continued": True}, 10) == ([], True)
    rest, _ = _continued(state_of, newest, newer, 10)
    versions = {key: record["strategy_version"] for _t, key, record in [*again, *rest]}
    assert len(versions) == 40 and set(versions.values()) == {3}
    assert logic.reevaluate_part(state_of, lambda: newest, {**newer, "continued": True}, 10) == ([], True)


def test_without_a_strategy_or_loans_nothing_is_decided(state_of):
    assert logic.on_delinquency(state_of, delinquency(), lambda: None) == []
    assert logic.on_customer(state_of, {**CUSTOMER, "cif": "C2"}, lambda: strategy()) == []
    older = {**CUSTOMER, "updated_at": "2026-01-01T00:00:00+07:00"}
    logic.on_customer(state_of, CUSTOMER, lambda: None)
    assert logic.on_customer(state_of, older, lambda: strategy()) == []


def test_decimal_custom_fields_compare_as_numbers_as_the_processors_pass_them():
    from datetime import UTC, datetime

    from contracts.strategies import StrategyConfig
    from domain.strategy import compile_strategy, matches
    from processors.strategy.facts import customer_facts

    config = StrategyConfig.model_validate(
        {
            "version": 1,
            "published_at": datetime(2026, 3, 1, tzinfo=UTC),
            "groups": [
                {
                    "id": "g",
                    "name": "G",
                    "campaigns": [
                        {
                            "id": "risky",
                            "name": "Risky",
                            "priority": 1,
                            "conditions": [{"field": "custom.risk", "operator": ">", "value": 0.5}],
                        }
                    ],
                }
            ],
        }
    )
    compiled = compile_strategy(config.to_domain())

    def facts(risk: str):
        account = {
            "account_number": "L1",
            "product_type": "AUTO_LOAN",
            "currency": "USD",
            "dpd": 40,
            "bucket": "30-59",
            "overdue_amount": "100",
            "outstanding": "800",
            "custom_fields": {"risk": risk},  # decimals travel as decimal strings
        }
        delinquency = {"max_dpd": 40, "bucket": "30-59", "overdue_total": {}, "accounts": [account]}
        return customer_facts("C1", {"type": "INDIVIDUAL"}, delinquency, {}, [])

    assert matches(compiled, facts("0.8")) == [("g", "risky", "L1")]
    assert matches(compiled, facts("0.2")) == []
    assert matches(compiled, facts("high")) == []  # text is not a number: never greater than one


def calls_strategy(*campaigns: dict):
    """Version 1 of a strategy of one group, CALLS, with these campaigns."""
    config = {
        "strategy_id": "default",
        "version": 1,
        "published_at": "2026-03-01T09:00:00+00:00",
        "groups": [{"id": "CALLS", "name": "Calls", "campaigns": list(campaigns)}],
    }
    return live_strategy(orjson.dumps(config))


def _products_only():
    """One campaign that matches on the product alone: its campaigns never move with DPD."""
    auto = {
        "id": "AUTO",
        "name": "Auto loans",
        "priority": 1,
        "conditions": [{"field": "loan.product_type", "operator": "IN", "value": ["AUTO_LOAN", "MORTGAGE"]}],
        "team": "T1",
        "agent_type": "CALL",
    }
    return calls_strategy(auto)


def test_what_allocation_fits_on_is_news_even_when_the_campaigns_stay(state_of):
    live = _products_only()

    def emitted(record):
        return [
            (r["bucket"], r["delinquent"], r["products"])
            for _t, _k, r in logic.on_delinquency(state_of, record, lambda: live)
        ]

    assert emitted(delinquency(dpd=10)) == [("1-29", True, ["AUTO_LOAN"])]
    assert emitted(delinquency(dpd=12, revision=2)) == []  # the same bucket: nothing allocation looks at
    assert emitted(delinquency(dpd=45, revision=3)) == [("30-59", True, ["AUTO_LOAN"])]  # bucket skills
    second = delinquency(dpd=45, revision=4)
    second["accounts"] = [
        *second["accounts"],
        {**second["accounts"][0], "account_number": "LN2", "product_type": "MORTGAGE"},
    ]
    assert emitted(second) == [("30-59", True, ["AUTO_LOAN", "MORTGAGE"])]  # product skills
    assert emitted(delinquency(dpd=0, revision=5)) == [("CURRENT", False, ["AUTO_LOAN"])]  # released


def _dated(dpd: int, day: str, revision: int = 1, cif: str = "C1") -> dict:
    return {**delinquency(dpd=dpd, revision=revision), "business_date": day, "cif": cif}


def test_dpd_grows_with_the_business_date_and_turns_campaigns_on_its_day(state_of):
    live = strategy()  # LATE: max_dpd >= 30 and an auto loan; EARLY: max_dpd > 0
    assert live.compiled.turning_dpds == (1, 30)
    [(_t, _k, early)] = logic.on_delinquency(state_of, _dated(25, "2026-03-10"), lambda: live)
    assert campaigns([(_t, _k, early)]) == [("CALLS", "EARLY")]
    assert logic.on_tick(state_of, date(2026, 3, 14), lambda: live) == ([], True)  # DPD 29
    outputs, done = logic.on_tick(state_of, date(2026, 3, 15), lambda: live)  # DPD 30
    [(_t, _k, late)] = outputs
    assert done and campaigns(outputs) == [("CALLS", "LATE")]
    assert (late["business_date"], late["bucket"]) == ("2026-03-15", "30-59")
    assert "delinquency.max_dpd >= 30 (is 30)" in late["campaigns"][0]["reason"]
    assert logic.on_tick(state_of, date(2026, 3, 15), lambda: live) == ([], True)  # the same date again
    assert logic.on_tick(state_of, date(2026, 3, 1), lambda: live) == ([], True)  # an older one
    # the delinquency processor's own record of that day changes nothing more
    assert logic.on_delinquency(state_of, _dated(30, "2026-03-15", revision=2), lambda: live) == []
    assert logic.on_tick(state_of, date(2026, 6, 1), lambda: live) == ([], True)  # no turn left to reach


def test_a_customer_first_seen_after_the_date_is_judged_on_it(state_of):
    live = strategy()
    logic.on_tick(state_of, date(2026, 3, 20), lambda: live)
    [(_t, _k, record)] = logic.on_delinquency(
        state_of, _dated(25, "2026-03-10"), lambda: live
    )  # a late record
    assert campaigns([(_t, _k, record)]) == [("CALLS", "LATE")] and record["business_date"] == "2026-03-20"


def _turning_portfolio(customers: int):
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    live = strategy()
    for n in range(customers):
        logic.on_delinquency(state_of, _dated(20 + n % 15, "2026-03-10", cif=f"C{n:03}"), lambda: live)
    return store, state_of, live


@pytest.mark.parametrize("limit", [1, 7, 40, 1_000])
def test_a_date_worked_off_in_parts_emits_and_keeps_what_the_whole_does(limit):
    whole_store, whole, live = _turning_portfolio(40)
    expected, done = logic.on_tick(whole, date(2026, 3, 16), lambda: live)
    # DPD 20..34 on the 10th, 26..40 on the 16th: those from 24 to 29 on the 10th have turned late since
    assert done and len(expected) == 18
    store, state_of, _ = _turning_portfolio(40)
    outputs, done = logic.on_tick(state_of, date(2026, 3, 16), lambda: live, limit)
    parts = 1
    while not done:
        more, done = logic.on_tick(state_of, date(2026, 3, 16), lambda: live, limit, continuing=True)
        outputs, parts = outputs + more, parts + 1
    assert sorted(outputs, key=str) == sorted(expected, key=str) and store == whole_store
    assert parts <= -(-40 // limit) + 1
    assert logic.on_tick(state_of, date(2026, 3, 16), lambda: live, limit, continuing=True) == ([], True)


def test_turning_dates_follow_the_live_version(state_of):
    logic.on_delinquency(state_of, _dated(25, "2026-03-10"), lambda: strategy())
    stricter = strategy(version=2, late_dpd=60)
    logic.on_reevaluate(state_of, lambda: stricter)  # now turns at 60: nothing on the 15th
    assert logic.on_tick(state_of, date(2026, 3, 15), lambda: stricter) == ([], True)
    outputs, _ = logic.on_tick(state_of, date(2026, 4, 14), lambda: stricter)  # DPD 60
    assert campaigns(outputs) == [("CALLS", "LATE")]


def test_a_closed_loan_is_seen_as_closed(state_of):
    live = _products_only()  # matches an auto loan or a mortgage
    closed = {**delinquency(dpd=45), "accounts": [{**delinquency()["accounts"][0], "status": "CLOSED"}]}
    from processors.strategy.facts import customer_facts

    facts = customer_facts("C1", None, closed, {}, [])
    assert [loan.status for loan in facts.loans] == ["CLOSED"]
    assert campaigns(logic.on_delinquency(state_of, closed, lambda: live)) == [("CALLS", "AUTO")]


def crm_contacts(version=1, phones=(), emails=()):
    return {
        "cif": "C1",
        "version": version,
        "updated_at": "2026-03-11T09:00:00+00:00",
        "updated_by": "agent1",
        "phones": [{"type": t, "number": n, "is_verified": v, "note": ""} for t, n, v in phones],
        "emails": [{"type": t, "address": a, "is_verified": v, "note": ""} for t, a, v in emails],
    }


def selected(outputs):
    [(_t, _k, record)] = outputs
    return [c["value"] for c in record["campaigns"][0]["contacts"]]


def test_a_phone_an_agent_added_is_selected_after_the_banks_and_a_newer_list_replaces_it(state_of):
    live = strategy()
    logic.on_customer(state_of, CUSTOMER, lambda: live)
    logic.on_delinquency(state_of, delinquency(), lambda: live)
    added = crm_contacts(phones=[("MOBILE", "+84 91 555 0001", True), ("HOME", "+84 28 555 0002", False)])
    # the campaign's rule selects mobiles: the bank's primary first, then the one the agent added
    assert selected(logic.on_crm_contacts(state_of, added, lambda: live)) == [
        "+84 90 000 0001",
        "+84 91 555 0001",
    ]
    assert logic.on_crm_contacts(state_of, added, lambda: live) == []  # the same save again
    assert logic.on_crm_contacts(state_of, crm_contacts(version=0), lambda: live) == []  # an older one
    # the next save removed it (and repeats the bank's own number, which adds nothing)
    removed = crm_contacts(version=2, phones=[("MOBILE", "+84900000001", False)])
    assert selected(logic.on_crm_contacts(state_of, removed, lambda: live)) == ["+84 90 000 0001"]
    # the bank's later record keeps the added contacts
    logic.on_crm_contacts(
        state_of, crm_contacts(version=3, phones=[("MOBILE", "+84915550009", False)]), lambda: live
    )
    newer = {**CUSTOMER, "updated_at": "2026-03-12T00:00:00+07:00"}
    assert selected(logic.on_customer(state_of, newer, lambda: live)) == ["+84 90 000 0001", "+84915550009"]
    assert selected(logic.on_reevaluate(state_of, lambda: strategy(version=2))) == [
        "+84 90 000 0001",
        "+84915550009",
    ]


def test_an_added_number_reported_wrong_is_not_selected(state_of):
    live = strategy()
    logic.on_delinquency(state_of, delinquency(), lambda: live)
    added = crm_contacts(phones=[("MOBILE", "+84 91 555 0001", True)])
    assert selected(logic.on_crm_contacts(state_of, added, lambda: live)) == ["+84 91 555 0001"]
    action = {
        "cif": "C1",
        "result": "WRONG_NUMBER",
        "at": "2026-03-02T10:00:00+07:00",
        "contact": {"channel": "PHONE", "number": "+84915550001"},
    }
    assert selected(logic.on_action(state_of, action, lambda: live)) == []


def test_signatures_of_customers_without_added_contacts_are_as_before(state_of):
    # a processor upgraded with crm.contacts emits nothing new for customers nobody added contacts to
    live = strategy()
    logic.on_customer(state_of, CUSTOMER, lambda: live)
    logic.on_delinquency(state_of, delinquency(), lambda: live)
    assert len(state_of("C1").get("emitted")) == 8


def test_a_case_put_in_legal_moves_the_customer_to_the_legal_campaign_and_back(state_of):
    legal = calls_strategy(
        {
            "id": "LEGAL",
            "name": "With the lawyers",
            "priority": 0,
            "conditions": [{"field": "case.state", "operator": "=", "value": "LEGAL"}],
        },
        {"id": "LATE", "name": "Late", "priority": 1, "conditions": []},
    )

    def case(version, state):
        return {"cif": "C1", "version": version, "state": state, "recovery_ability": None}

    assert campaigns(logic.on_delinquency(state_of, delinquency(), lambda: legal)) == [("CALLS", "LATE")]
    assert campaigns(logic.on_case(state_of, case(1, "LEGAL"), lambda: legal)) == [("CALLS", "LEGAL")]
    assert logic.on_case(state_of, case(1, "NEGOTIATING"), lambda: legal) == []  # the same version again
    assert logic.on_case(state_of, case(2, "LEGAL"), lambda: legal) == []  # saved again, the same campaigns
    assert campaigns(logic.on_case(state_of, case(3, None), lambda: legal)) == [("CALLS", "LATE")]


def _taking_out(campaign_id: str, name: str, field: str):
    """Customers for whom the boolean ``field`` holds leave the call campaign for one no agent works."""
    taken = {
        "id": campaign_id,
        "name": name,
        "priority": 1,
        "conditions": [{"field": field, "operator": "=", "value": True}],
    }
    return calls_strategy(taken, CALLS)


def _with_a_ceased_campaign():
    return _taking_out("CEASED", "Asked to cease contact", "customer.cease_requested")


# the call campaign of every delinquent customer, after those that take some out of it
CALLS = {
    "id": "CALLS",
    "name": "Calls",
    "priority": 2,
    "conditions": [{"field": "delinquency.max_dpd", "operator": ">", "value": 0}],
    "team": "T1",
    "agent_type": "CALL",
}


def cease(at: str, channel_number: str | None = None) -> dict:
    action = {"cif": "C1", "action_id": f"A-{at}", "result": "CEASE_COMMUNICATION", "at": at}
    return {**action, "contact": {"channel": "PHONE", "number": channel_number}} if channel_number else action


def test_a_cease_request_moves_the_customer_to_a_campaign_that_asks_for_it_for_good(state_of):
    live = _with_a_ceased_campaign()
    assert campaigns(logic.on_delinquency(state_of, delinquency(), lambda: live)) == [("CALLS", "CALLS")]
    # on any channel, with or without a number: the customer asked the CRM, not one number, to stop
    [(_t, _k, record)] = logic.on_action(state_of, cease("2026-03-11T09:00:00Z"), lambda: live)
    assert [(c["campaign_id"], c["agent_type"]) for c in record["campaigns"]] == [("CEASED", None)]
    assert logic.on_action(state_of, cease("2026-03-11T09:00:00Z"), lambda: live) == []  # redelivered
    assert logic.on_action(state_of, cease("2026-03-12T09:00:00Z", "+84 90 000 0001"), lambda: live) == []
    # it never expires: later facts keep the customer there
    assert logic.on_delinquency(state_of, delinquency(dpd=60, revision=2), lambda: live) == []


def _with_a_disputed_campaign():
    return _taking_out("DISPUTED", "Disputes the debt", "customer.dispute_open")


def dispute(at: str, result: str = "DISPUTE", account: str | None = None) -> dict:
    action = {"cif": "C1", "action_id": f"{result}-{at}-{account}", "result": result, "at": at}
    return {**action, "account_number": account} if account else action


def test_an_open_dispute_moves_the_customer_until_it_is_resolved_or_it_lapses(state_of):
    live = _with_a_disputed_campaign()
    logic.on_tick(state_of, date(2026, 3, 10), lambda: live)
    assert campaigns(logic.on_delinquency(state_of, delinquency(), lambda: live)) == [("CALLS", "CALLS")]
    assert campaigns(
        logic.on_action(state_of, dispute("2026-03-11T09:00:00Z", account="LN1"), lambda: live)
    ) == [("CALLS", "DISPUTED")]
    assert logic.on_action(state_of, dispute("2026-03-11T09:00:00Z", account="LN1"), lambda: live) == []
    # a resolution before the dispute, or of another loan, closes nothing
    early = dispute("2026-03-11T08:00:00Z", "DISPUTE_RESOLVED", "LN1")
    assert logic.on_action(state_of, early, lambda: live) == []
    other = dispute("2026-03-12T08:00:00Z", "DISPUTE_RESOLVED", "LN2")
    assert logic.on_action(state_of, other, lambda: live) == []
    # one of every debt (no loan named) after it does
    every = dispute("2026-03-12T09:00:00Z", "DISPUTE_VERIFIED")
    assert campaigns(logic.on_action(state_of, every, lambda: live)) == [("CALLS", "CALLS")]

    # raised again on the 12th in the action's own offset (the 13th in UTC): it pauses 30 days from the 12th
    again = dispute("2026-03-12T23:30:00-05:00", account="LN1")
    assert campaigns(logic.on_action(state_of, again, lambda: live)) == [("CALLS", "DISPUTED")]
    assert logic.on_tick(state_of, date(2026, 4, 10), lambda: live) == ([], True)
    outputs, done = logic.on_tick(state_of, date(2026, 4, 11), lambda: live)
    assert done and campaigns(outputs) == [("CALLS", "CALLS")]
    assert logic.on_tick(state_of, date(2026, 4, 12), lambda: live) == ([], True)


def test_dispute_facts_arriving_in_any_order_end_the_same(state_of):
    """A replay may bring a customer's actions in another order: the latest dispute and resolution win."""
    live = _with_a_disputed_campaign()
    actions = [
        dispute("2026-03-11T09:00:00Z", account="LN1"),
        dispute("2026-03-12T09:00:00Z", "DISPUTE_RESOLVED", "LN1"),
        dispute("2026-03-13T09:00:00Z", account="LN1"),
    ]
    ends = []
    for order in (actions, actions[::-1], [actions[1], actions[2], actions[0]]):
        store: dict = {}

        def fresh(prefix, store=store):
            return DictState(store, prefix)

        logic.on_tick(fresh, date(2026, 3, 14), lambda: live)
        logic.on_delinquency(fresh, delinquency(), lambda: live)
        for action in order:
            logic.on_action(fresh, action, lambda: live)
        ends.append((fresh("C1").get("disputes"), fresh("C1").get("emitted")[2]))
    assert ends[0][1] == [["CALLS", "DISPUTED", None]]  # (group, campaign, the loan matched)
    assert ends[1:] == [ends[0], ends[0]]


def test_a_cease_request_known_before_the_loans_counts_when_they_come(state_of):
    live = _with_a_ceased_campaign()
    assert (
        logic.on_action(state_of, cease("2026-03-11T09:00:00Z"), lambda: live) == []
    )  # nothing to match yet
    assert campaigns(logic.on_delinquency(state_of, delinquency(), lambda: live)) == [("CALLS", "CEASED")]

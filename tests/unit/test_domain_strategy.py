"""Strategy (campaign) assignment (domain/strategy.py): every operator, loan-level matching, validation."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.buckets import BucketConfig, bucket
from domain.contacts import ContactRule, CustomerContacts, Phone
from domain.errors import DomainError, InvalidConfig
from domain.strategy import (
    FIELDS,
    ORDERING,
    Campaign,
    CaseFacts,
    Condition,
    CustomerFacts,
    DelinquencySummary,
    Group,
    InvalidCondition,
    InvalidStrategy,
    LoanFacts,
    Operator,
    Strategy,
    UnknownField,
    UnknownOperator,
    WrongValueType,
    compile_condition,
    compile_strategy,
    evaluate,
    field_spec,
    like_matcher,
    match_campaign,
    operators_for,
    unordered_comparison,
)


def loan(account="LN1", product="CREDIT_CARD", dpd=45, overdue="1250", **custom) -> LoanFacts:
    bucket = "CURRENT" if dpd == 0 else "1-29" if dpd < 30 else "30-59" if dpd < 60 else "60-89"
    return LoanFacts(account, product, "USD", dpd, bucket, D(overdue), D("5000"), custom=custom)


def facts(*loans: LoanFacts, segment="RETAIL", timezone=None, broken=0, **summary) -> CustomerFacts:
    worst = max((item.dpd for item in loans), default=0)
    delinquency = DelinquencySummary(
        max_dpd=summary.get("max_dpd", worst),
        bucket=summary.get("bucket", loans[0].bucket if loans else "CURRENT"),
        overdue_total=summary.get("overdue_total", sum((item.overdue_amount for item in loans), D(0))),
        outstanding_total=D("5000"),
        broken_promises=broken,
        has_pending_promise=summary.get("pending", False),
    )
    return CustomerFacts(
        "C1",
        "INDIVIDUAL",
        segment,
        "ACTIVE",
        delinquency,
        loans,
        CustomerContacts(phones=(Phone("MOBILE", "+1 555 0100", True, True), Phone("HOME", "+1 555 0199"))),
        timezone=timezone,
        date_of_birth=date(1980, 5, 17),
    )


def holds(field: str, operator: str, value: object, subject: object) -> bool:
    compiled = compile_condition(Condition(field, operator, value))
    return compiled.test(compiled.read(subject))


CUSTOMER = facts(loan(dpd=45, overdue="1250"), segment="RETAIL", broken=1)
NO_ZONE = CUSTOMER  # customer.timezone is None
IN_NY = facts(loan(), timezone="America/New_York")

# (field, operator, value, subject, expected): each operator matching, not matching, and on a null value.
OPERATOR_TABLE = [
    ("customer.segment", "=", "RETAIL", CUSTOMER, True),
    ("customer.segment", "=", "SME", CUSTOMER, False),
    ("customer.timezone", "=", "UTC", NO_ZONE, False),  # NULL = x is not true
    ("customer.segment", "!=", "SME", CUSTOMER, True),
    ("customer.segment", "!=", "RETAIL", CUSTOMER, False),
    ("customer.timezone", "!=", "UTC", NO_ZONE, False),  # NULL != x is not true either
    ("delinquency.max_dpd", ">", 44, CUSTOMER, True),
    ("delinquency.max_dpd", ">", 45, CUSTOMER, False),
    ("delinquency.max_dpd", ">=", 45, CUSTOMER, True),
    ("delinquency.max_dpd", ">=", 46, CUSTOMER, False),
    ("delinquency.max_dpd", "<", 46, CUSTOMER, True),
    ("delinquency.max_dpd", "<", 45, CUSTOMER, False),
    ("delinquency.max_dpd", "<=", 45, CUSTOMER, True),
    ("delinquency.max_dpd", "<=", 44, CUSTOMER, False),
    ("customer.timezone", ">", "A", NO_ZONE, False),
    ("customer.timezone", "<=", "Z", NO_ZONE, False),
    ("customer.segment", "IN", ["SME", "RETAIL"], CUSTOMER, True),
    ("customer.segment", "IN", ["SME", "CORPORATE"], CUSTOMER, False),
    ("customer.timezone", "IN", ["UTC"], NO_ZONE, False),
    ("customer.segment", "NOT IN", ["SME", "CORPORATE"], CUSTOMER, True),
    ("customer.segment", "NOT IN", ["RETAIL"], CUSTOMER, False),
    ("customer.timezone", "NOT IN", ["UTC"], NO_ZONE, False),  # NULL NOT IN (...) is not true
    ("customer.segment", "LIKE", "RET%", CUSTOMER, True),
    ("customer.segment", "LIKE", "ret%", CUSTOMER, False),  # case-sensitive
    ("customer.timezone", "LIKE", "%", NO_ZONE, False),
    ("customer.timezone", "IS NULL", None, NO_ZONE, True),
    ("customer.timezone", "IS NULL", None, IN_NY, False),
    ("customer.timezone", "IS NOT NULL", None, IN_NY, True),
    ("customer.timezone", "IS NOT NULL", None, NO_ZONE, False),
    # money: exact decimals from Decimals, ints and decimal strings
    ("delinquency.overdue_total", ">", "1249.99", CUSTOMER, True),
    ("delinquency.overdue_total", ">", 1250, CUSTOMER, False),
    ("delinquency.overdue_total", "=", D("1250.00"), CUSTOMER, True),
    ("delinquency.overdue_total", "IN", ["1250", "10"], CUSTOMER, True),
    # other types: int strings, dates, booleans, closed lists
    ("delinquency.broken_promises", ">=", "1", CUSTOMER, True),
    ("delinquency.max_dpd", "=", "45.0", CUSTOMER, True),  # integral decimal text is a whole number
    ("delinquency.max_dpd", "<", D("46"), CUSTOMER, True),
    ("customer.date_of_birth", "<", "1990-01-01", CUSTOMER, True),
    ("customer.date_of_birth", "=", date(1980, 5, 17), CUSTOMER, True),
    ("delinquency.has_pending_promise", "=", False, CUSTOMER, True),
    ("delinquency.has_pending_promise", "!=", False, CUSTOMER, False),
    ("customer.type", "IN", ["INDIVIDUAL"], CUSTOMER, True),
    # buckets order by rank, not as text ('120-179' < '30-59' as text)
    ("delinquency.bucket", ">=", "30-59", CUSTOMER, True),
    ("delinquency.bucket", ">", "30-59", CUSTOMER, False),
    ("delinquency.bucket", "<", "120-179", CUSTOMER, True),
    ("delinquency.bucket", "=", "30-59", CUSTOMER, True),
]


@pytest.mark.parametrize(("field", "operator", "value", "subject", "expected"), OPERATOR_TABLE)
def test_every_operator_matching_not_matching_and_on_null(field, operator, value, subject, expected):
    assert holds(field, operator, value, subject) is expected


def test_the_table_covers_every_operator():
    assert {Operator(row[1]) for row in OPERATOR_TABLE} == set(Operator)


RISKY = loan(risk_score=D("0.8"), tier="007", legacy=True, flt=0.1, count=3)


@pytest.mark.parametrize(
    ("operator", "field", "value", "expected"),
    [
        (">", "custom.risk_score", "0.7", True),  # a plain decimal string is a number
        (">", "custom.risk_score", D("0.9"), False),
        ("=", "custom.risk_score", "0.80", True),
        ("=", "custom.tier", "007", True),  # "007" is text, not 7
        ("=", "custom.tier", 7, False),
        ("LIKE", "custom.tier", "00_", True),
        ("LIKE", "custom.risk_score", "0%", False),  # LIKE is for text values
        ("=", "custom.legacy", True, True),
        ("=", "custom.count", True, False),  # 3 is a number, not true
        ("IN", "custom.count", [1, 2, 3], True),
        ("IN", "custom.legacy", [1], False),  # true is not 1
        ("NOT IN", "custom.count", [1, 2], True),
        ("!=", "custom.tier", 7, True),  # text is never equal to a number
        ("<", "custom.tier", 7, False),  # ... and has no order with one
        ("=", "custom.flt", "0.1", True),  # a float from elsewhere is read as its decimal text
        ("<=", "custom.count", 3, True),
        ("IS NULL", "custom.missing", None, True),
        ("=", "custom.missing", 1, False),
        ("!=", "custom.missing", 1, False),
        ("NOT IN", "custom.missing", [1], False),
        ("IS NOT NULL", "custom.count", None, True),
    ],
)
def test_custom_fields_are_typed_by_their_values(operator, field, value, expected):
    assert holds(field, operator, value, RISKY) is expected


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("CARD", "CARD", True),
        ("CARD", "CARDS", False),
        ("CA%", "CARD", True),
        ("%RD", "CARD", True),
        ("%AR%", "CARD", True),
        ("%", "", True),
        ("_", "", False),
        ("C_RD", "CARD", True),
        ("C_RD", "CRD", False),
        ("C%D%", "CARDED", True),
        ("%a%b%c", "xaybzc", True),
        ("%a%b%c", "xaybzcd", False),
        ("50\\%", "50%", True),  # escaped wildcards are literal
        ("50\\%", "500", False),
        ("a\\_b", "a_b", True),
        ("a\\_b", "axb", False),
        ("a\\\\b", "a\\b", True),
    ],
)
def test_like(pattern, text, expected):
    assert like_matcher(pattern)(text) is expected


def _like_regex(pattern: str) -> re.Pattern:
    parts = []
    escaped = False
    for ch in pattern:
        if escaped:
            parts.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


@given(
    st.text("ab%_\\", max_size=8).filter(lambda p: not re.search(r"(?<!\\)(\\\\)*\\$", p)),
    st.text("ab%_", max_size=10),
)
def test_like_agrees_with_a_regular_expression(pattern, text):
    assert like_matcher(pattern)(text) is bool(_like_regex(pattern).fullmatch(text))


@pytest.mark.parametrize(
    ("condition", "error", "words"),
    [
        (("loan.colour", "=", "RED"), UnknownField, "unknown field 'loan.colour'"),
        (("custom.", "=", 1), UnknownField, "unknown field"),
        (("custom.Risk", "=", 1), UnknownField, "unknown field"),
        (("delinquency.max_dpd", "==", 30), UnknownOperator, "unknown operator '=='"),
        (("delinquency.max_dpd", "in", [1]), UnknownOperator, "use one of =, !="),
        (("delinquency.max_dpd", ">", "abc"), WrongValueType, "delinquency.max_dpd takes a whole number"),
        (("delinquency.max_dpd", ">", "1.5"), WrongValueType, "whole number"),
        (("delinquency.max_dpd", ">", True), WrongValueType, "whole number"),
        (("delinquency.max_dpd", ">", D("Infinity")), WrongValueType, "whole number"),
        (("delinquency.max_dpd", ">", "1e3"), WrongValueType, "whole number"),
        (("loan.overdue_amount", ">", 0.1), WrongValueType, "floats are not exact"),
        (("loan.overdue_amount", ">", "NaN"), WrongValueType, "exact amount"),
        (
            ("loan.overdue_amount", "IN", ["1", "x"]),
            WrongValueType,
            "loan.overdue_amount takes an exact amount",
        ),
        (("custom.score", ">", 0.5), WrongValueType, "floats are not exact"),
        (("customer.segment", "=", 5), WrongValueType, "customer.segment takes text"),
        (("customer.date_of_birth", "<", "yesterday"), WrongValueType, "a date"),
        (("delinquency.has_pending_promise", "=", "yes"), WrongValueType, "true or false"),
        (("loan.product_type", "=", "CREDITCARD"), WrongValueType, "loan.product_type is one of"),
        (("loan.bucket", "=", "31-60"), WrongValueType, "unknown bucket '31-60'"),
        (("customer.segment", "IN", "RETAIL"), InvalidCondition, "IN needs a non-empty list"),
        (("customer.segment", "NOT IN", []), InvalidCondition, "NOT IN needs a non-empty list"),
        (("customer.segment", "IN", ["A", None]), InvalidCondition, "cannot hold NULL"),
        (("customer.timezone", "IS NULL", "UTC"), InvalidCondition, "IS NULL takes no value"),
        (("customer.timezone", "IS NOT NULL", []), InvalidCondition, "IS NOT NULL takes no value"),
        (("customer.segment", "=", None), InvalidCondition, "use IS NULL"),
        (("customer.segment", "=", ["A"]), InvalidCondition, "use IN for a list"),
        (("delinquency.max_dpd", "LIKE", "3%"), InvalidCondition, "LIKE compares text"),
        (("delinquency.has_pending_promise", ">", False), InvalidCondition, "no order"),
        (("custom.flag", "<", True), InvalidCondition, "no order"),
        (("customer.segment", "LIKE", "A\\"), InvalidCondition, "ends with an escape"),
    ],
)
def test_compile_time_validation(condition, error, words):
    with pytest.raises(error, match=re.escape(words)) as raised:
        compile_condition(Condition(*condition))
    assert isinstance(raised.value, InvalidStrategy | InvalidConfig | DomainError)
    assert raised.value.part in {"field", "operator", "value"}


def test_every_catalogue_field_is_typed_and_readable():
    subject = facts(loan())
    for name, spec in FIELDS.items():
        assert spec.type in (str, int, D, date, bool), name
        read = compile_condition(Condition(name, "IS NOT NULL")).read
        value = read(subject.loans[0] if name.startswith("loan.") else subject)
        assert value is None or isinstance(value, spec.type), name
    assert field_spec("custom.risk_score").type is None


def test_buckets_come_from_the_configuration():
    two = BucketConfig(((0, "OK"), (1, "LATE")))
    compile_condition(Condition("loan.bucket", "=", "LATE"), two)
    with pytest.raises(WrongValueType):
        compile_condition(Condition("loan.bucket", "=", "30-59"), two)


def campaign(cid: str, priority: int, *conditions: tuple, rules=()) -> Campaign:
    return Campaign(cid, cid.title(), priority, tuple(Condition(*c) for c in conditions), rules)


def strategy(*groups: Group, version: int = 7) -> Strategy:
    return Strategy(version, groups)


def test_loan_level_conditions_must_hold_on_one_loan():
    card_late = campaign("CARD_LATE", 1, ("loan.product_type", "=", "CREDIT_CARD"), ("loan.dpd", ">=", 30))
    compiled = compile_strategy(strategy(Group("G", "g", (card_late,))))
    current_card_late_mortgage = facts(loan("LN1", "CREDIT_CARD", dpd=0), loan("LN2", "MORTGAGE", dpd=60))
    assert evaluate(compiled, current_card_late_mortgage) == []
    late_card = facts(loan("LN1", "MORTGAGE", dpd=0), loan("LN2", "CREDIT_CARD", dpd=31))
    (assignment,) = evaluate(compiled, late_card)
    assert assignment.matched_loan == "LN2"
    assert "on loan LN2: loan.product_type = 'CREDIT_CARD' (is 'CREDIT_CARD')" in assignment.reason
    assert evaluate(compiled, facts()) == []  # no loans: loan-level conditions cannot hold


def test_customer_level_campaigns_ignore_loans():
    compiled = compile_strategy(
        strategy(Group("G", "g", (campaign("ANY", 1, ("customer.segment", "=", "RETAIL")),)))
    )
    (assignment,) = evaluate(compiled, facts())
    assert assignment.matched_loan is None


def test_first_campaign_by_priority_then_id_wins_and_groups_are_independent():
    calls = Group(
        "CALLS",
        "Calls",
        (
            campaign("Z_LATE", 5, ("delinquency.max_dpd", ">=", 30)),
            campaign("A_LATE", 5, ("delinquency.max_dpd", ">=", 30)),  # same priority: the smaller id first
            campaign("EARLY", 1, ("delinquency.max_dpd", "<", 30)),
            campaign("REST", 99),
        ),
    )
    letters = Group("LETTERS", "Letters", (campaign("BIG", 1, ("delinquency.overdue_total", ">", "1000")),))
    compiled = compile_strategy(strategy(calls, letters, version=12))
    late = evaluate(compiled, facts(loan(dpd=45, overdue="1250")))
    assert [(a.group_id, a.campaign_id, a.strategy_version) for a in late] == [
        ("CALLS", "A_LATE", 12),
        ("LETTERS", "BIG", 12),
    ]
    early_small = evaluate(compiled, facts(loan(dpd=10, overdue="50")))
    assert [(a.group_id, a.campaign_id) for a in early_small] == [("CALLS", "EARLY")]
    current = evaluate(compiled, facts(loan(dpd=0, overdue="0")))
    assert [a.campaign_id for a in current] == ["EARLY"]  # dpd 0 < 30
    assert match_campaign(compiled.groups[1], facts(loan(dpd=0, overdue="0"))) is None


def test_the_reason_names_the_campaign_and_the_conditions_that_matched():
    chosen = campaign("LATE", 10, ("delinquency.max_dpd", ">=", 30), ("customer.timezone", "IS NULL", None))
    compiled = compile_strategy(strategy(Group("CALLS", "Calls", (chosen, campaign("ALL", 20)))))
    (assignment,) = evaluate(compiled, facts(loan(dpd=45)))
    assert assignment.reason == (
        "group CALLS: campaign LATE (Late, priority 10), the first to match: "
        "delinquency.max_dpd >= 30 (is 45); customer.timezone IS NULL"
    )
    (fallback,) = evaluate(compiled, facts(loan(dpd=0)))
    assert fallback.reason.endswith("no conditions (catch-all)")


def test_the_case_agents_keep_steers_campaigns_and_an_unset_state_is_null():
    legal = campaign("LEGAL", 0, ("case.state", "=", "LEGAL"))
    calls = campaign("CALLS", 1, ("delinquency.max_dpd", ">", 0))
    hardship = campaign("SOFT", 1, ("case.recovery_ability", "IN", ["LOW", "NONE"]))
    compiled = compile_strategy(
        strategy(Group("CALLS", "Calls", (legal, calls)), Group("LETTERS", "Letters", (hardship,)))
    )
    late = facts(loan(dpd=45))
    assert [a.campaign_id for a in evaluate(compiled, late)] == ["CALLS"]  # no case yet
    in_court = replace(late, case=CaseFacts("LEGAL", "LOW"))
    legal_first, soft = evaluate(compiled, in_court)
    assert (legal_first.campaign_id, soft.campaign_id) == ("LEGAL", "SOFT")
    assert legal_first.reason.endswith("case.state = 'LEGAL' (is 'LEGAL')")
    # nulls as in SQL: a case without a state is neither LEGAL nor anything else, only IS NULL
    assert holds("case.state", "IS NULL", None, late)
    assert not holds("case.state", "!=", "LEGAL", late)
    assert not holds("case.state", "NOT IN", ["LEGAL"], late)
    assert holds("case.state", "LIKE", "LEG%", in_court)
    filed = replace(late, case=CaseFacts("LEGAL", None, "COURT_FILED"))
    assert holds("case.substate", "IN", ["COURT_FILED", "JUDGMENT"], filed)
    assert not holds("case.substate", "IS NOT NULL", None, in_court)


def test_the_assignment_carries_the_selected_contacts():
    rules = (ContactRule(phone_types=("HOME", "MOBILE")),)
    compiled = compile_strategy(strategy(Group("G", "g", (campaign("C", 1, rules=rules),))))
    (assignment,) = evaluate(compiled, facts(loan()))
    assert [c.type for c in assignment.contacts] == ["HOME", "MOBILE"]


def test_strategy_errors_name_the_group_campaign_and_condition():
    bad = campaign("LATE", 1, ("delinquency.max_dpd", ">=", 30), ("delinquency.max_dpd", ">", "abc"))
    with pytest.raises(WrongValueType, match=r"group 'G', campaign 'LATE', condition 2: delinquency.max_dpd"):
        compile_strategy(strategy(Group("G", "g", (bad,))))
    with pytest.raises(InvalidStrategy, match="group 'G' appears twice"):
        compile_strategy(strategy(Group("G", "g", (campaign("A", 1),)), Group("G", "h", (campaign("B", 1),))))
    with pytest.raises(InvalidStrategy, match="campaign 'A' appears twice"):
        compile_strategy(strategy(Group("G", "g", (campaign("A", 1),)), Group("H", "h", (campaign("A", 1),))))


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 120), st.sampled_from([">=", "<", "="])), max_size=6
    ),
    st.integers(0, 120),
)
def test_the_assigned_campaign_is_the_first_matching_one_by_priority_and_id(specs, dpd):
    campaigns = tuple(
        campaign(f"C{n}", priority, ("delinquency.max_dpd", op, threshold))
        for n, (priority, threshold, op) in enumerate(specs)
    )
    compiled = compile_strategy(strategy(Group("G", "g", campaigns)))
    subject = facts(max_dpd=dpd, bucket="CURRENT")
    holds_for = {">=": lambda t: dpd >= t, "<": lambda t: dpd < t, "=": lambda t: dpd == t}
    matching = [c for c in campaigns if holds_for[c.conditions[0].operator](c.conditions[0].value)]
    expected = min(matching, key=lambda c: (c.priority, c.id)).id if matching else None
    got = evaluate(compiled, subject)
    assert (got[0].campaign_id if got else None) == expected


def test_the_generated_matchers_agree_with_the_full_evaluation():
    """The hot path (generated matchers, nothing built) finds the same campaigns and loans, over a
    50-campaign configuration and customers drawn at random (the benchmark's generator)."""
    import random

    from benchmarks.strategy import configuration, stored_state
    from domain.strategy import matches
    from processors.strategy.app import live_strategy
    from processors.strategy.facts import customer_facts

    rnd = random.Random(11)
    live = live_strategy(configuration(50, 5, rnd))
    for n in range(300):
        customer, delinquency, promises = stored_state(n, rnd)
        facts = customer_facts(f"C{n}", customer, delinquency, promises, [])
        full = evaluate(live.compiled, facts)
        assert matches(live.compiled, facts) == [(a.group_id, a.campaign_id, a.matched_loan) for a in full]
        assert all(a.reason for a in full)  # the full path explains itself


# ── DPD grows with the date: where conditions turn ───────────────────────────────────────────────────────

DPD_CONDITIONS = st.one_of(
    st.tuples(
        st.sampled_from(["delinquency.max_dpd", "loan.dpd"]),
        st.sampled_from([">", ">=", "<", "<=", "=", "!="]),
        st.integers(0, 120),
    ),
    st.tuples(
        st.sampled_from(["delinquency.max_dpd", "loan.dpd"]),
        st.sampled_from(["IN", "NOT IN"]),
        st.lists(st.integers(0, 120), min_size=1, max_size=4),
    ),
    st.tuples(
        st.sampled_from(["delinquency.bucket", "loan.bucket"]),
        st.sampled_from(["=", "!=", ">=", "<"]),
        st.sampled_from(["1-29", "30-59", "60-89", "90-119"]),
    ),
    st.tuples(st.just("loan.dpd"), st.just("IS NOT NULL"), st.none()),
)


@given(st.lists(DPD_CONDITIONS, min_size=1, max_size=3), st.integers(1, 130))
def test_a_campaign_changes_its_answer_only_on_a_turning_dpd(conditions, start):
    compiled = compile_strategy(strategy(Group("G", "g", (campaign("C", 1, *conditions),))))
    turning = compiled.turning_dpds
    assert list(turning) == sorted(set(turning)) and all(dpd > 0 for dpd in turning)

    def answer(dpd: int) -> bool:
        grown = LoanFacts("LN1", "CREDIT_CARD", "USD", dpd, bucket(dpd), D("100"), D("5000"))
        return bool(evaluate(compiled, facts(grown, bucket=grown.bucket)))

    before = answer(start)
    for dpd in range(start + 1, start + 200):
        now = answer(dpd)
        if now != before:
            assert dpd in turning, (conditions, dpd)
        before = now


def test_turning_dpds_per_operator_and_the_next_turn():
    def turning(*conditions):
        return compile_strategy(strategy(Group("G", "g", (campaign("C", 1, *conditions),)))).turning_dpds

    assert turning(("delinquency.max_dpd", ">=", 30)) == (30,)
    assert turning(("delinquency.max_dpd", ">", 30)) == (31,)
    assert turning(("loan.dpd", "<", 60), ("loan.dpd", "<=", 89)) == (60, 90)
    assert turning(("loan.dpd", "IN", [5, 10])) == (5, 6, 10, 11)
    assert turning(("delinquency.max_dpd", ">", 0), ("loan.dpd", "IS NULL")) == (1,)
    assert turning(("delinquency.bucket", "=", "30-59")) == (1, 30, 60, 90, 120, 180)
    assert turning(("delinquency.overdue_total", ">", 100), ("customer.segment", "=", "MASS")) == ()

    from domain.strategy import next_turn

    day = date(2026, 3, 10)
    assert next_turn([25, 3], day, (1, 10, 30)) == date(2026, 3, 15)  # 25 reaches 30 before 3 reaches 10
    assert next_turn([0, 0], day, (1, 30)) is None  # nothing past due grows
    assert next_turn([30], day, (1, 30)) is None  # past the last turn
    assert next_turn([29], date(9999, 12, 31), (30,)) == date.max  # saturates at the calendar's end


def test_the_operators_a_field_takes():
    def takes(name: str) -> set[str]:
        return {op.value for op in operators_for(field_spec(name))}

    everything = {op.value for op in Operator}
    assert takes("customer.cif") == takes("custom.score") == everything
    assert takes("customer.segment") == takes("loan.currency") == everything - {">", ">=", "<", "<="}
    assert takes("loan.product_type") == takes("case.state") == takes("customer.segment")
    assert takes("delinquency.max_dpd") == takes("customer.date_of_birth") == everything - {"LIKE"}
    assert takes("delinquency.has_pending_promise") == {"=", "!=", "IN", "NOT IN", "IS NULL", "IS NOT NULL"}
    assert ">=" in takes("loan.bucket")  # buckets are ordered by rank
    # a new version is refused exactly the orderings the editor leaves out (compiling refuses true/false's)
    for name, spec in FIELDS.items():
        for op in ORDERING:
            refused = unordered_comparison(spec, op) is not None
            assert refused == (op not in operators_for(spec) and spec.type is not bool), (name, op)

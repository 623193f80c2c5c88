"""The strategy configuration on the wire (contracts/strategies.py): shape, exactness, named errors."""

from __future__ import annotations

import copy
import json
from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from contracts.admin import StrategyUpdate
from contracts.errors import describe
from contracts.strategies import CampaignIn, ConditionIn, ContactRuleIn, StrategyConfig
from domain.contacts import ContactSource
from domain.strategy import (
    CustomerFacts,
    DelinquencySummary,
    LoanFacts,
    Operator,
    compile_strategy,
    evaluate,
)

DOCUMENT = {
    "strategy_id": "retail",
    "version": 3,
    "published_at": "2026-03-01T09:00:00+00:00",
    "groups": [
        {
            "id": "CALLS",
            "name": "Call centre",
            "campaigns": [
                {
                    "id": "CARDS_LATE",
                    "name": "Cards 30+",
                    "priority": 10,
                    "conditions": [
                        {"field": "delinquency.max_dpd", "operator": ">=", "value": 30},
                        {
                            "field": "loan.product_type",
                            "operator": "IN",
                            "value": ["CREDIT_CARD", "OVERDRAFT"],
                        },
                        {"field": "loan.overdue_amount", "operator": ">", "value": "1000.50"},
                        {"field": "custom.risk_score", "operator": ">=", "value": 0.7},
                        {"field": "customer.timezone", "operator": "IS NOT NULL"},
                    ],
                    "contact_rules": [
                        {"phone_types": ["MOBILE", "HOME"], "verified_only": True},
                        {"source": "REFERENCE", "phone_types": ["MOBILE"], "relationships": ["GUARANTOR"]},
                    ],
                    "team": "CARDS",
                    "agent_type": "CALL",
                    "required_skills": {
                        "products": ["CREDIT_CARD"],
                        "buckets": ["30-59"],
                        "languages": ["en"],
                    },
                },
                {"id": "EVERYONE", "name": "Everyone else", "priority": 100},
            ],
        }
    ],
}


def with_change(path: str, value: object) -> str:
    document = copy.deepcopy(DOCUMENT)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target = document
    for part in parents:
        target = target[part]
    target[last] = value
    return json.dumps(document)


def error_of(text: str) -> str:
    with pytest.raises(ValidationError) as raised:
        StrategyConfig.model_validate_json(text)
    return describe(raised.value)


def test_a_valid_strategy_reads_exactly_and_compiles():
    config = StrategyConfig.model_validate_json(json.dumps(DOCUMENT))
    conditions = config.groups[0].campaigns[0].conditions
    assert conditions[1].operator is Operator.IN and conditions[1].value == ["CREDIT_CARD", "OVERDRAFT"]
    assert conditions[3].value == "0.7"  # read exactly, never through a float, and kept as its text
    assert conditions[2].value == "1000.50"  # text stays text; the domain reads it as the field's type
    assert conditions[4].value is None
    rules = config.groups[0].campaigns[0].contact_rules
    assert rules[1].source is ContactSource.REFERENCE
    compiled = compile_strategy(config.to_domain())
    assert [c.campaign.id for c in compiled.groups[0].campaigns] == ["CARDS_LATE", "EVERYONE"]
    assert compiled.version == 3


def test_the_compiled_configuration_assigns():
    compiled = compile_strategy(StrategyConfig.model_validate_json(json.dumps(DOCUMENT)).to_domain())
    card = LoanFacts(
        "LN1", "CREDIT_CARD", "USD", 40, "30-59", D("1500"), D("9000"), custom={"risk_score": D("0.9")}
    )
    summary = DelinquencySummary(40, "30-59", D("1500"), D("9000"))
    customer = CustomerFacts(
        "C1", "INDIVIDUAL", "RETAIL", "ACTIVE", summary, (card,), timezone="America/Chicago"
    )
    (assignment,) = evaluate(compiled, customer)
    assert (assignment.campaign_id, assignment.matched_loan, assignment.strategy_version) == (
        "CARDS_LATE",
        "LN1",
        3,
    )


def test_defaults_and_round_trip():
    minimal = {"version": 1, "published_at": "2026-03-01T09:00:00Z", "groups": []}
    config = StrategyConfig.model_validate(minimal)
    assert config.strategy_id == "default" and config.groups == []
    full = StrategyConfig.model_validate_json(json.dumps(DOCUMENT))
    assert StrategyConfig.model_validate_json(full.model_dump_json()) == full
    campaign = CampaignIn.model_validate({"id": "C", "name": "c", "priority": 0})
    assert campaign.conditions == [] and campaign.team is None and campaign.required_skills.products == []


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "groups.0.campaigns.0.conditions.0.value",
            "abc",
            "groups.0.campaigns.0.conditions.0.value: delinquency.max_dpd takes a whole number, not 'abc'",
        ),
        (
            "groups.0.campaigns.0.conditions.0.field",
            "loan.colour",
            "groups.0.campaigns.0.conditions.0.field: unknown field 'loan.colour'",
        ),
        (
            "groups.0.campaigns.0.conditions.0.operator",
            "==",
            "groups.0.campaigns.0.conditions.0.operator: Input should be '='",
        ),
        (
            "groups.0.campaigns.0.conditions.1.value",
            "CREDIT_CARD",
            "groups.0.campaigns.0.conditions.1.value: loan.product_type IN needs a non-empty list",
        ),
        (
            "groups.0.campaigns.0.conditions.4.value",
            "UTC",
            "groups.0.campaigns.0.conditions.4.value: customer.timezone IS NOT NULL takes no value",
        ),
        ("groups.0.campaigns.0.conditions.1.value", ["CREDITCARD"], "loan.product_type is one of"),
        (
            "groups.0.campaigns.0.conditions.2.value",
            "12,5",
            "groups.0.campaigns.0.conditions.2.value: loan.overdue_amount takes an exact amount",
        ),
        # one error at the value, not one per kind it might have been (at paths like `value.union[bool,...`)
        (
            "groups.0.campaigns.0.conditions.2.value",
            {"amount": 1},
            "groups.0.campaigns.0.conditions.2.value: Input should be a boolean, an integer, a decimal "
            "number (at most 18 digits before the point and 10 after it), a string",
        ),
        (
            "groups.0.campaigns.0.conditions.1.value",
            ["CREDIT_CARD", {"amount": 1}],
            "groups.0.campaigns.0.conditions.1.value: Input should be a boolean, an integer",
        ),
        (
            "groups.0.campaigns.0.contact_rules.1.phone_types",
            [],
            "groups.0.campaigns.0.contact_rules.1.phone_types: a rule must pick",
        ),
        (
            "groups.0.campaigns.0.contact_rules.0.phone_types",
            ["CELL"],
            "groups.0.campaigns.0.contact_rules.0.phone_types.0: Input should be",
        ),
        (
            "groups.0.campaigns.0.contact_rules.0.relationships",
            ["GUARANTOR"],
            "groups.0.campaigns.0.contact_rules.0.relationships: only a REFERENCE rule",
        ),
        (
            "groups.0.campaigns.0.contact_rules.1.email_types",
            ["WORK"],
            "groups.0.campaigns.0.contact_rules.1.email_types: reference customers have phones only",
        ),
        (
            "groups.0.campaigns.0.priority",
            -1,
            "groups.0.campaigns.0.priority: Input should be greater than or equal to 0",
        ),
        (
            "groups.0.campaigns.0.agent_type",
            "ROBOT",
            "groups.0.campaigns.0.agent_type: Input should be 'CALL' or 'FIELD'",
        ),
        (
            "groups.0.campaigns.0.required_skills",
            {"products": ["BOAT"]},
            "groups.0.campaigns.0.required_skills.products.0",
        ),
        (
            "groups.0.campaigns.1.id",
            "CARDS_LATE",
            "groups.0.campaigns.1.id: campaign 'CARDS_LATE' is also in group 'CALLS'",
        ),
        ("groups.0.campaigns", [], "groups.0.campaigns: List should have at least 1 item"),
        ("groups.0.colour", "red", "groups.0.colour: unknown field"),
        ("version", 0, "version: Input should be greater than or equal to 1"),
        ("published_at", "2026-03-01T09:00:00", "published_at: Input should have timezone info"),
    ],
)
def test_errors_name_the_field(path, value, message):
    assert message in error_of(with_change(path, value))


def test_duplicate_groups_are_refused():
    document = copy.deepcopy(DOCUMENT)
    second = copy.deepcopy(document["groups"][0])
    second["campaigns"] = [{"id": "OTHER", "name": "o", "priority": 1}]
    document["groups"].append(second)
    assert error_of(json.dumps(document)).startswith("groups.1.id: group 'CALLS' appears twice")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (7, 7),
        ("7", "7"),
        ("0.70", "0.70"),
        (0.70, "0.7"),
        (["A", 1, False], ["A", 1, False]),
    ],
)
def test_condition_values_keep_their_json_type(value, expected):
    condition = ConditionIn.model_validate_json(
        json.dumps(
            {"field": "custom.x", "operator": "IN" if isinstance(value, list) else "=", "value": value}
        )
    )
    assert condition.value == expected and type(condition.value) is type(expected)


def test_a_json_number_with_a_fraction_stays_exact():
    text = '{"field": "loan.overdue_amount", "operator": ">", "value": 1250000.10}'
    assert ConditionIn.model_validate_json(text).value == "1250000.10"  # 1250000.1 through a float


def test_models_are_frozen_and_closed():
    rule = ContactRuleIn(phone_types=["MOBILE"])
    with pytest.raises(ValidationError):
        rule.verified_only = True
    with pytest.raises(ValidationError, match="unknown|Extra inputs"):
        ContactRuleIn.model_validate({"phone_types": ["MOBILE"], "colour": "red"})


def test_the_json_schema_lists_the_operators():
    schema = StrategyConfig.model_json_schema()
    assert schema["$defs"]["Operator"]["enum"] == [o.value for o in Operator]


def test_an_order_on_codes_is_refused_in_a_new_version_yet_a_published_one_still_loads():
    """`customer.segment >= 'MASS'` would only mean "alphabetically after MASS": the API's body refuses it
    at the operator, while the topic's contract keeps loading versions published before the check."""
    segment_from = with_change(
        "groups.0.campaigns.0.conditions.4", {"field": "customer.segment", "operator": ">=", "value": "MASS"}
    )
    published = StrategyConfig.model_validate_json(segment_from)
    assert compile_strategy(published.to_domain()).version == 3
    groups = json.loads(segment_from)["groups"]
    with pytest.raises(ValidationError) as raised:
        StrategyUpdate.model_validate({"groups": groups})
    assert describe(raised.value) == (
        "groups.0.campaigns.0.conditions.4.operator: the values of customer.segment are codes, which have no "
        "order (>= would compare them alphabetically); name the ones meant with = or IN"
    )
    # what has an order keeps it: numbers, amounts, buckets by rank, dates, identifiers, custom fields
    assert StrategyUpdate.model_validate({"groups": DOCUMENT["groups"]}).groups[0].id == "CALLS"
    for field, value in (
        ("loan.bucket", "30-59"),
        ("customer.date_of_birth", "1990-01-01"),
        ("customer.cif", "M"),
    ):
        ordered = with_change(
            "groups.0.campaigns.0.conditions.4", {"field": field, "operator": "<", "value": value}
        )
        StrategyUpdate.model_validate({"groups": json.loads(ordered)["groups"]})

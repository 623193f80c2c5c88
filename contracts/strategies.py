"""``config.strategies``: strategy (campaign) configuration versions, keyed by ``strategy_id``.

The admin API validates a body with these models and publishes it; the strategy processor reads the
compacted topic and compiles ``StrategyConfig.to_domain()`` with ``domain.strategy.compile_strategy``.
Conditions are checked here against the same field catalogue and operators the domain compiles, so a
strategy that validates also compiles, and every error names its place (``groups.0.campaigns.2.
conditions.1.value: delinquency.max_dpd takes a whole number, not 'abc'``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StrictBool, StrictInt, field_validator, model_validator

from contracts.agents import AgentSkills, AgentType
from contracts.common import Code, Contract, EmailType, Identifier, PhoneType, ShortText, Timestamp
from contracts.errors import cross_field_error
from contracts.exact import ExactDecimal, OneOf
from domain.contacts import ContactRule, ContactSource, InvalidContactRule
from domain.strategy import (
    Campaign,
    Condition,
    Group,
    InvalidStrategy,
    Operator,
    Strategy,
    compile_condition,
    field_spec,
)

FieldName = Annotated[str, Field(min_length=3, max_length=80)]
# Strings stay strings (a segment may be "30"); the domain reads them as the field's type: a number for
# delinquency.max_dpd, an amount for loan.overdue_amount, a date for customer.date_of_birth. A JSON number
# with a fraction is read exactly and kept as its decimal text ("0.7"), the form it is written back in, so a
# configuration is equal to itself after a trip through the topic.
ExactNumberText = Annotated[Decimal, ExactDecimal(18, 10), AfterValidator(lambda number: format(number, "f"))]
ConditionScalar = Annotated[
    StrictBool | StrictInt | Annotated[str, Field(max_length=200)] | ExactNumberText,
    Field(union_mode="left_to_right"),
    OneOf(
        "Input should be a boolean, an integer, a decimal number (at most 18 digits before the point and 10 "
        "after it) or a string of at most 200 characters"
    ),
]
ConditionValue = Annotated[
    ConditionScalar | Annotated[list[ConditionScalar], Field(min_length=1, max_length=200)] | None,
    Field(union_mode="left_to_right"),
    OneOf(
        "Input should be a boolean, an integer, a decimal number (at most 18 digits before the point and 10 "
        "after it), a string of at most 200 characters, or a list of up to 200 of them"
    ),
]


class ConditionIn(Contract):
    field: FieldName
    operator: Operator
    value: ConditionValue = None  # a list for IN and NOT IN, nothing for IS NULL and IS NOT NULL

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str) -> str:
        field_spec(name)  # raises UnknownField, a ValueError: pydantic reports it at `field`
        return name

    @model_validator(mode="after")
    def _compiles(self) -> Self:
        try:
            compile_condition(self.to_domain())
        except InvalidStrategy as error:
            raise cross_field_error(error.part or "value", str(error)) from None
        return self

    def to_domain(self) -> Condition:
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return Condition(self.field, self.operator, value)


class ContactRuleIn(Contract):
    """One contact-selection rule; a campaign's rules apply in list order, the first most wanted."""

    source: ContactSource = ContactSource.CUSTOMER
    phone_types: Annotated[list[PhoneType], Field(max_length=4)] = []
    email_types: Annotated[list[EmailType], Field(max_length=4)] = []
    verified_only: bool = False
    relationships: Annotated[list[Code], Field(max_length=20)] = []  # REFERENCE only; empty: all

    @model_validator(mode="after")
    def _selects_something(self) -> Self:
        try:
            self.to_domain()
        except InvalidContactRule as error:
            raise cross_field_error(error.part, str(error).removeprefix(f"{error.part}: ")) from None
        return self

    def to_domain(self) -> ContactRule:
        return ContactRule(
            self.source,
            tuple(self.phone_types),
            tuple(self.email_types),
            self.verified_only,
            tuple(self.relationships),
        )


class CampaignIn(Contract):
    id: Identifier
    name: ShortText
    priority: Annotated[int, Field(ge=0, le=1_000_000)]  # lowest first; ties go to the smaller id
    conditions: Annotated[list[ConditionIn], Field(max_length=50)] = []  # none: matches everybody
    contact_rules: Annotated[list[ContactRuleIn], Field(max_length=20)] = []
    # For allocation: who may work the campaign's customers. Unset means any team, type or skill.
    team: Identifier | None = None
    agent_type: AgentType | None = None
    required_skills: AgentSkills = AgentSkills()

    @model_validator(mode="after")
    def _agents_come_from_a_team(self) -> Self:
        # Allocation keeps each team's agents and customers on one partition (exact capacity across
        # partitions): a campaign that needs agents must say which team's.
        if self.agent_type is not None and self.team is None:
            raise cross_field_error(
                "team", "a campaign with an agent_type needs the team its agents come from"
            )
        return self

    def to_domain(self) -> Campaign:
        return Campaign(
            self.id,
            self.name,
            self.priority,
            tuple(c.to_domain() for c in self.conditions),
            tuple(r.to_domain() for r in self.contact_rules),
        )


class GroupIn(Contract):
    id: Identifier
    name: ShortText
    campaigns: Annotated[list[CampaignIn], Field(min_length=1, max_length=200)]

    def to_domain(self) -> Group:
        return Group(self.id, self.name, tuple(c.to_domain() for c in self.campaigns))


def conditions_with_places(groups: list[GroupIn]) -> Iterator[tuple[str, ConditionIn]]:
    """Every condition of ``groups`` with its place in the body (``groups.0.campaigns.2.conditions.1``), for
    checks that report where."""
    for g, group in enumerate(groups):
        for c, campaign in enumerate(group.campaigns):
            for k, condition in enumerate(campaign.conditions):
                yield f"groups.{g}.campaigns.{c}.conditions.{k}", condition


class StrategyConfig(Contract):
    strategy_id: Identifier = "default"  # the topic's key; one live strategy per id
    version: Annotated[int, Field(ge=1)]
    groups: Annotated[list[GroupIn], Field(max_length=50)]
    published_at: Timestamp

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        groups: set[str] = set()
        campaigns: dict[str, str] = {}
        for g, group in enumerate(self.groups):
            if group.id in groups:
                raise cross_field_error(f"groups.{g}.id", f"group {group.id!r} appears twice")
            groups.add(group.id)
            for c, campaign in enumerate(group.campaigns):
                if campaign.id in campaigns:
                    raise cross_field_error(
                        f"groups.{g}.campaigns.{c}.id",
                        f"campaign {campaign.id!r} is also in group {campaigns[campaign.id]!r}; "
                        "campaign ids are unique in a strategy",
                    )
                campaigns[campaign.id] = group.id
        return self

    def to_domain(self) -> Strategy:
        return Strategy(self.version, tuple(g.to_domain() for g in self.groups))

"""Admin API bodies: logins, strategy versions and agents, in families per entity (``XUpdate`` comes in,
``XPublic`` goes out).

What the admin API publishes on the configuration topics stays exactly ``StrategyConfig`` and
``AgentConfig``; the ``XPublic`` models only add who changed it and when (kept in PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from contracts.agents import AgentConfig
from contracts.common import Contract, Identifier, Timestamp
from contracts.errors import cross_field_error
from contracts.strategies import GroupIn, StrategyConfig, conditions_with_places
from domain.strategy import field_spec, unordered_comparison


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATION = "integration"


class UserPublic(Contract):
    username: str
    role: Role
    agent_id: str | None = None
    team: str | None = None  # a supervisor's team; None: every team


class StrategyUpdate(Contract):
    """A new version of a strategy: only its groups; the server numbers it and stamps ``published_at``."""

    groups: Annotated[list[GroupIn], Field(max_length=50)]

    @model_validator(mode="after")
    def _orders_what_has_an_order(self) -> Self:
        # Here, not in StrategyConfig: a version already on the topic with such a condition must still load.
        for place, condition in conditions_with_places(self.groups):
            if refused := unordered_comparison(field_spec(condition.field), condition.operator):
                raise cross_field_error(f"{place}.operator", refused)
        return self

    def to_config(self, strategy_id: str, version: int, published_at: datetime) -> StrategyConfig:
        """The topic value; raises ValidationError for what only the whole strategy can see (repeated ids)."""
        return StrategyConfig.model_validate(
            {
                "strategy_id": strategy_id,
                "version": version,
                "published_at": published_at,
                "groups": [group.model_dump(mode="json") for group in self.groups],
            }
        )


class StrategyPublic(StrategyConfig):
    published_by: str


class ReevaluationAccepted(Contract):
    strategy_id: str
    version: int
    partitions: int
    requested_at: Timestamp


class AgentUpdate(AgentConfig):
    """An agent as sent to ``PUT /api/admin/agents/{agent_id}``: ``agent_id`` may be left out (the path
    names the agent); when given it must equal the path's."""

    agent_id: Identifier | None = None  # type: ignore[assignment]

    def to_config(self, agent_id: str) -> AgentConfig:
        return AgentConfig.model_validate({**self.model_dump(mode="json"), "agent_id": agent_id})


class AgentPublic(AgentConfig):
    updated_at: Timestamp
    updated_by: str


class TeamSummary(Contract):
    """A team as its agents name it: how many are active, their capacity, and how many are not."""

    team: str
    active_agents: int
    capacity: int  # of its active agents
    inactive_agents: int


class FieldInfo(Contract):
    """A field conditions may test: its name, the type its values take, and its closed list if any."""

    name: str
    type: str  # text | integer | decimal | date | boolean | dynamic (custom.*: typed by the value)
    level: str  # customer (one value per customer) | loan (true when any open loan matches)
    choices: list[str] = []
    is_bucket: bool = False  # compared by bucket rank with > and <
    operators: list[str] = []  # those it takes: no ordering on codes or true/false, LIKE on text only


class StrategyCatalogue(Contract):
    """What the strategy editor offers: fields, operators, buckets and the contact-rule vocabulary."""

    fields: list[FieldInfo]
    custom_prefix: str  # `custom.<name>` reads a loan's custom field
    operators: list[str]
    buckets: list[str]
    phone_types: list[str]
    email_types: list[str]
    contact_sources: list[str]


class CampaignPreview(Contract):
    campaign_id: str
    name: str
    customers: int


class GroupPreview(Contract):
    group_id: str
    name: str
    campaigns: list[CampaignPreview]
    unmatched: int  # customers in no campaign of this group


class StrategyPreview(Contract):
    """How many customers a draft would put in each campaign, before it is published."""

    business_date: date | None
    population: int  # customers with a delinquency record
    evaluated: int  # customers the draft was evaluated on
    estimated: bool  # True when evaluated < population: counts are scaled from an even sample
    groups: list[GroupPreview]


Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9._@-]{1,64}$")]
Password = Annotated[str, Field(min_length=8, max_length=200)]


class UserAdminView(Contract):
    """A login as admins see it (never its password hash)."""

    username: str
    role: Role
    agent_id: str | None
    team: str | None
    active: bool
    created_at: datetime


class UserSave(Contract):
    """``PUT /api/admin/users/{username}``: create a login (``password`` required) or change one (a
    ``password`` given replaces it; left out keeps it)."""

    role: Role
    agent_id: Identifier | None = None
    team: Identifier | None = None
    active: bool = True
    password: Password | None = None

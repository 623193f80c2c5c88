"""``config.agents``: agents, their teams, skills and capacities, keyed by ``agent_id``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from contracts.common import Contract, Identifier, ProductType, ShortText

BucketLabel = Annotated[str, Field(pattern=r"^(CURRENT|[0-9]+-[0-9]+|[0-9]+\+)$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class AgentType(StrEnum):
    CALL = "CALL"
    FIELD = "FIELD"


class AgentSkills(Contract):
    products: Annotated[list[ProductType], Field(max_length=10)] = []
    buckets: Annotated[list[BucketLabel], Field(max_length=20)] = []
    languages: Annotated[list[Language], Field(max_length=20)] = []


class AgentConfig(Contract):
    agent_id: Identifier
    name: ShortText
    team: Identifier
    type: AgentType
    skills: AgentSkills = AgentSkills()
    capacity: Annotated[int, Field(ge=0, le=100_000)]
    active: bool = True

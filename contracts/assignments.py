"""What strategy and allocation produce: `strategy.assignments` and `assignments`, both keyed by ``cif``."""

from __future__ import annotations

from datetime import date
from typing import Literal

from contracts.agents import AgentSkills, AgentType
from contracts.common import Contract


class SelectedContactOut(Contract):
    channel: Literal["PHONE", "EMAIL"]
    value: str
    type: str
    source: Literal["CUSTOMER", "REFERENCE"]
    rule: int  # position of the campaign's contact rule that chose it, from 0
    is_primary: bool = False
    is_verified: bool = False
    ref_cif: str | None = None
    relationship: str | None = None
    name: str | None = None


class CampaignAssignment(Contract):
    group_id: str
    campaign_id: str
    campaign_name: str
    reason: str  # which conditions matched, in words
    matched_loan: str | None = None  # the loan that satisfied the loan-level conditions, if any
    contacts: list[SelectedContactOut] = []
    # Who may work it (from the campaign): allocation's pool is the team
    team: str | None = None
    agent_type: AgentType | None = None
    required_skills: AgentSkills = AgentSkills()


class StrategyAssignment(Contract):
    """`strategy.assignments`: a customer's campaigns (one per group that matched) under a strategy version.

    Emitted when the campaigns or contacts change; an empty list means the customer left every campaign.
    """

    cif: str
    strategy_id: str
    strategy_version: int
    business_date: date | None
    campaigns: list[CampaignAssignment]
    # What allocation matches against agents' skills
    products: list[str] = []
    bucket: str = "CURRENT"
    language: str | None = None
    delinquent: bool = False


class AgentAssignment(Contract):
    """`assignments`: the customer's current agent of one type (CALL or FIELD), or none."""

    cif: str
    agent_type: AgentType
    agent_id: str | None  # None: no agent (cured, campaign left, or no capacity: see reason)
    team: str | None
    campaign_id: str | None
    reason: str  # e.g. "kept: still fits", "least loaded fitting agent", "agent deactivated"
    business_date: date | None
    strategy_version: int | None = None

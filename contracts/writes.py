"""Bodies and replies of the API's writes: recording an action, posting a payment, and the code
dictionaries the web app builds its action form from.

The bodies are the topic contracts themselves (`contracts.api.ActionCreate`: `AgentAction` with
``action_id`` and ``agent_id`` optional; `contracts.api.PaymentCreate`: `Payment`), so a body the API
accepts is a message the processors accept; the server's own checks (dictionary codes, dates, the customer,
compliance) come on top.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from contracts.actions import AgentAction
from contracts.api import ActionCreate, PaymentCreate
from contracts.common import Code, Contract, Identifier, ShortText

__all__ = [
    "ActionAccepted",
    "ActionCreate",
    "ComplianceBlocked",
    "DictionariesAdmin",
    "DictionariesPublic",
    "DictionariesUpdate",
    "DictionaryEntry",
    "PaymentAccepted",
    "PaymentCreate",
    "agent_action",
]


class ActionAccepted(Contract):
    """202 from ``POST /api/actions``; the same reply again for a repeat of the same action."""

    action_id: Identifier
    status: Literal["accepted"] = "accepted"
    accepted_at: datetime


class PaymentAccepted(Contract):
    """202 from ``POST /api/payments``; a repeat of the same payment gets the first reply, byte for byte."""

    reference_number: Identifier
    account_number: Identifier
    status: Literal["accepted"] = "accepted"
    accepted_at: datetime


class ComplianceBlocked(Contract):
    """409 from ``POST /api/actions``: a contact rule forbids the call (``detail`` starts with the rule)."""

    detail: str
    rule: str  # domain.compliance.Rule, e.g. CEASE_COMMUNICATION
    contactable_from: datetime | None  # null: not foreseeable (cease, or a dispute until resolved)


class DictionaryEntry(Contract):
    code: Code
    label: ShortText


class SubstateEntry(DictionaryEntry):
    """A case substate and the case states it goes with (``[]``: any state)."""

    states: list[Code] = []


class DictionariesPublic(Contract):
    """``GET /api/dictionaries``, and the shape of the ``CRM_DICTIONARIES_FILE`` document."""

    action_types: list[DictionaryEntry]
    action_subtypes: list[DictionaryEntry]
    action_results: list[DictionaryEntry]
    segments: list[DictionaryEntry]
    customer_statuses: list[DictionaryEntry]
    case_states: list[DictionaryEntry]
    case_substates: list[SubstateEntry]
    recovery_abilities: list[DictionaryEntry]


def agent_action(body: ActionCreate, action_id: str, agent_id: str) -> AgentAction:
    """The message a body becomes once the server has settled its id and agent (raises ValidationError
    when either breaks the contract, e.g. a login name that is not an identifier)."""
    return AgentAction.model_validate({**body.model_dump(), "action_id": action_id, "agent_id": agent_id})


class DictionariesAdmin(Contract):
    """``GET``/``PUT /api/admin/dictionaries``: the dictionaries in force, where they come from, and the codes
    that cannot be removed (labels can change)."""

    dictionaries: DictionariesPublic
    source: Literal["built-in", "file", "saved"]  # saved: by an admin, which replaces the file from then on
    version: int  # saves so far (0: never saved); a PUT names the version it is based on
    updated_at: datetime | None
    updated_by: str | None
    protected: dict[str, list[str]]  # dictionary → its codes the contact rules act on


class DictionariesUpdate(Contract):
    """``PUT /api/admin/dictionaries``: every dictionary, in form order, and the version it was based on."""

    dictionaries: DictionariesPublic
    version: int  # 0 when nothing was saved before

"""A customer's case (`GET`/`PUT /api/cases/{cif}`, and ``case`` in the 360 view): the CRM's own statuses of
the collection work, the master notes, and the open follow-up date; its statuses on ``crm.cases``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from contracts.admin import Username
from contracts.common import Code, Contract, Identifier, LongText, Timestamp


class CaseView(Contract):
    state: str | None  # a code of the `case_states` dictionary; None: not set yet
    substate: str | None = None  # a code of `case_substates`: where within its state; None: not set
    recovery_ability: str | None  # a code of `recovery_abilities`; None: not assessed
    notes: str  # the master notes ("" when none)
    # The follow-up date the latest action set, unless an action on or after that day completed it (as the
    # queue ranks it); set by recording an action, not here
    follow_up_date: date | None
    version: int  # saves so far (0: never saved); a PUT names the version it is based on
    updated_at: datetime | None
    updated_by: str | None


class CaseUpdate(Contract):
    """``PUT /api/cases/{cif}``: the case as it should be, and the version it was based on."""

    state: Code | None = None
    substate: Code | None = None
    recovery_ability: Code | None = None
    notes: LongText = ""
    version: int


class CaseRecord(Contract):
    """``crm.cases`` (key cif): a case's statuses as saved, for the strategy processor (``case.state``,
    ``case.substate`` and ``case.recovery_ability`` in campaign conditions). The notes stay in PostgreSQL.
    A later version replaces an earlier one; an older or repeated one changes nothing, so a replay ends
    where the live run did."""

    cif: Identifier
    state: Code | None = None
    substate: Code | None = None
    recovery_ability: Code | None = None
    version: Annotated[int, Field(ge=1)]
    updated_at: Timestamp
    updated_by: Username

"""The contact data agents add (domain.md: "contact data ... that agents add are the CRM's own and editable"):
a phone number or email address learned on a call or a visit, beside the bank's read-only ones.

One list per customer, saved whole as the next version (``GET``/``PUT /api/contacts/{cif}``, ``crm_contacts``
in the 360 view) and published to ``crm.contacts`` (key cif), from which the strategy processor's contact
rules select them like the customer's own phones and emails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from contracts.admin import Username
from contracts.common import Contract, EmailType, Identifier, PhoneType, Timestamp
from contracts.customers import EmailAddress, PhoneNumber
from domain.contacts import contact_key

Note = Annotated[str, Field(max_length=200)]
MAX_EACH = 10  # phones, and emails: a handful learned by hand, not a second customer record


class CrmPhone(Contract):
    type: PhoneType
    number: PhoneNumber
    is_verified: bool = False  # confirmed with the customer on a call
    note: Note = ""  # e.g. "wife's mobile, evenings"


class CrmEmail(Contract):
    type: EmailType
    address: EmailAddress
    is_verified: bool = False
    note: Note = ""


class _ContactLists(Contract):
    phones: Annotated[list[CrmPhone], Field(max_length=MAX_EACH)] = []
    emails: Annotated[list[CrmEmail], Field(max_length=MAX_EACH)] = []

    @field_validator("phones", "emails")
    @classmethod
    def _each_once(cls, contacts: list) -> list:
        values = [c.number if isinstance(c, CrmPhone) else c.address for c in contacts]
        keys = [contact_key(v) for v in values]  # "+84 90 1" is "+84901", as the contact rules match them
        repeated = next((v for i, v in enumerate(values) if keys[i] in keys[:i]), None)
        if repeated is not None:
            raise ValueError(f"{repeated} is listed twice")
        return contacts


class CrmContactsUpdate(_ContactLists):
    """``PUT /api/contacts/{cif}``: the contacts as they should be, and the version they are based on."""

    version: Annotated[int, Field(ge=0)]


class CrmContactsView(_ContactLists):
    """The CRM's contacts of a customer (version 0: none saved yet)."""

    version: int
    updated_at: datetime | None = None
    updated_by: str | None = None


class CrmContacts(_ContactLists):
    """``crm.contacts`` (key cif): a customer's CRM contacts as saved, whole; a later version replaces an
    earlier one and an older or repeated one changes nothing, so a replay ends where the live run did."""

    cif: Identifier
    version: Annotated[int, Field(ge=1)]
    updated_at: Timestamp
    updated_by: Username

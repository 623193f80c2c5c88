"""The contact data agents add (domain.md: "contact data ... that agents add are the CRM's own and editable"):
a phone number, email address or postal address learned on a call or a visit, beside the bank's read-only
ones.

One list per customer, saved whole as the next version (``GET``/``PUT /api/contacts/{cif}``, ``crm_contacts``
in the 360 view) and published to ``crm.contacts`` (key cif), from which the strategy processor's contact
rules select phones and emails like the customer's own (addresses are for the field agents who read them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from contracts.admin import Username
from contracts.common import Contract, EmailType, Identifier, PhoneType, Timestamp
from contracts.customers import EmailAddress, PhoneNumber, Place
from domain.contacts import contact_key, digits

Note = Annotated[str, Field(max_length=200)]
MAX_EACH = 10  # phones, emails and addresses: a handful learned by hand, not a second customer record


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


class CrmAddress(Place):
    is_verified: bool = False  # visited, or confirmed with the customer
    note: Note = ""  # e.g. "the shop, weekdays; ask for Mrs Lan"


class _ContactLists(Contract):
    phones: Annotated[list[CrmPhone], Field(max_length=MAX_EACH)] = []
    emails: Annotated[list[CrmEmail], Field(max_length=MAX_EACH)] = []
    addresses: Annotated[list[CrmAddress], Field(max_length=MAX_EACH)] = []

    @field_validator("phones", "emails", "addresses")
    @classmethod
    def _each_once(cls, contacts: list) -> list:
        values = [contact_value(c) for c in contacts]
        # "+84 90 1" is "+84901", as the contact rules match them; addresses case and spacing aside
        keys = [
            c.key() if isinstance(c, CrmAddress) else contact_key(v)
            for c, v in zip(contacts, values, strict=True)
        ]
        repeated = next((v for i, v in enumerate(values) if keys[i] in keys[:i]), None)
        if repeated is not None:
            raise ValueError(f"{repeated} is listed twice")
        return contacts


def contact_value(contact: CrmPhone | CrmEmail | CrmAddress) -> str:
    """The number, email address or address (on one line) of a contact, as messages and the audit name it."""
    if isinstance(contact, CrmPhone):
        return contact.number
    return contact.address if isinstance(contact, CrmEmail) else contact.one_line()


def _has_digits(number: str) -> str:
    """The pattern takes "()-" as a number; one added by hand must have something to dial."""
    if not digits(number):
        raise ValueError("a phone number needs its digits")
    return number


class CrmPhoneInput(CrmPhone):
    """A phone as an agent adds it: with digits. (Numbers saved before this rule are still read back.)"""

    number: Annotated[PhoneNumber, AfterValidator(_has_digits)]


class CrmContactsUpdate(_ContactLists):
    """``PUT /api/contacts/{cif}``: the contacts as they should be, and the version they are based on; a list
    left out keeps what was saved (``[]`` empties it)."""

    phones: Annotated[list[CrmPhoneInput], Field(max_length=MAX_EACH)] = []
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

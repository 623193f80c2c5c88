"""HTTP API bodies, in families per entity: ``XCreate`` comes in, ``XPublic`` goes out.

Money going out is a decimal string (``MoneyOut``), never a JSON number.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import model_validator

from contracts.actions import WRONG_NUMBER, _ActionFields
from contracts.common import ContactChannel, Contract, Identifier, LoanStatus, MoneyOut, ProductType
from contracts.errors import cross_field_error
from contracts.loans import Installment
from contracts.payments import Payment
from contracts.search import SearchResult as SearchResult  # re-exported: GET /api/search's bodies
from contracts.search import SearchResults as SearchResults
from domain.contacts import digits
from domain.money import finer_than_paid


class Token(Contract):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int | None = None


class ActionCreate(_ActionFields):
    """An action recorded through the API.

    The server fills a missing ``action_id`` (a UUID) and ``agent_id`` (from the login).
    """

    action_id: Identifier | None = None
    agent_id: Identifier | None = None

    @model_validator(mode="after")
    def _a_wrong_number_is_named(self) -> Self:
        # The strategy stops selecting the number a WRONG_NUMBER names: without it, the next call dials the
        # same one. (Banks' channels may send one without; only the CRM's own input must say which.)
        if self.result == WRONG_NUMBER and self.contact is None:
            raise cross_field_error("contact", "result WRONG_NUMBER needs the contact that was wrong")
        return self

    @model_validator(mode="after")
    def _the_contact_can_be_matched(self) -> Self:
        # The campaigns match a contact by its key (`domain.contacts.contact_key`: a number's digits, an email
        # address lower-cased): a number without digits or an email without @ names nothing, so a report of
        # it would flag nothing. The VISIT channel names an address in words.
        contact = self.contact
        if contact is None or contact.channel is ContactChannel.VISIT:
            return self
        if contact.channel is ContactChannel.EMAIL and "@" not in contact.number:
            raise cross_field_error("contact.number", "not an email address (like name@example.com)")
        if contact.channel is not ContactChannel.EMAIL and not digits(contact.number):
            raise cross_field_error("contact.number", "a phone number needs its digits")
        return self


class PaymentCreate(Payment):
    """A payment posted by an integration; idempotent by ``reference_number``. Its amount is a whole number
    of the currency's minor units (no cents of a dong): the bank's feed is taken as it comes, but money
    paid through the API is money someone paid."""

    @model_validator(mode="after")
    def _amount_is_payable(self) -> Self:
        if finer := finer_than_paid(self.amount, self.currency):
            raise cross_field_error("amount", finer)
        return self


class LoanPublic(Contract):
    account_number: str
    cif: str
    product_type: ProductType
    currency: str
    status: LoanStatus
    dpd: int
    bucket: str
    overdue_amount: MoneyOut
    outstanding: MoneyOut
    as_of: datetime
    installments: list[Installment] = []


class PromiseStatus(StrEnum):
    PENDING = "PENDING"
    KEPT = "KEPT"
    BROKEN = "BROKEN"


class PromisePublic(Contract):
    action_id: str
    account_number: str | None
    date: date
    amount: MoneyOut
    status: PromiseStatus
    paid_amount: MoneyOut


class CustomerDelinquency(Contract):
    max_dpd: int
    bucket: str
    overdue_total: MoneyOut
    outstanding_total: MoneyOut


class QueueContact(Contract):
    """The contact the customer's campaign chose first (its contact rules): what to dial or write to."""

    channel: Literal["PHONE", "EMAIL"]
    value: str
    type: str  # MOBILE, HOME, WORK, …
    name: str | None = None  # a reference person's (a guarantor, a relative), when the rule chose theirs
    relationship: str | None = None


class QueueEntry(Contract):
    cif: str
    name: str
    priority: float
    reason: str
    dpd: int
    bucket: str
    overdue_amount: MoneyOut
    currency: str | None = None  # of the overdue amount (the customer's main currency)
    campaign: str | None
    contactable_now: bool
    blocked_by: str | None = None
    contactable_from: datetime | None = None
    contact: QueueContact | None = None  # None: the campaign's rules chose none (or no campaign)
    # A field agent's entry: where to visit, on one line (the customer's primary address, else their first
    # home address, else their first; the bank's). None in a call agent's queue, and without any address
    address: str | None = None


class ServiceHealth(Contract):
    name: str
    healthy: bool
    latency_ms: float | None = None
    detail: str = ""


class HealthPublic(Contract):
    status: Literal["ok", "degraded"]
    services: list[ServiceHealth]

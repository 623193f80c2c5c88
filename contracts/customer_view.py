"""`GET /api/customers/{cif}`: the customer 360 view, everything an agent needs before a call.

Money is a decimal string (``MoneyOut``). Loans carry their DPD derived for the latest business date, and
``delinquency`` summarises them the same way, so the view never contradicts itself.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, WithJsonSchema

from contracts.api import CustomerDelinquency, LoanPublic, PromisePublic
from contracts.assignments import CampaignAssignment
from contracts.cases import CaseView
from contracts.common import MONEY_OUT_SCHEMA, Contract, MoneyOut
from contracts.crm_contacts import CrmContactsView
from contracts.customers import Address, Email, Phone


class CustomerIdentity(Contract):
    cif: str
    type: str
    name: str
    national_id: str | None = None
    company_name: str | None = None
    registration_number: str | None = None
    tax_id: str | None = None
    date_of_birth: date | None = None
    segment: str
    status: str
    timezone: str | None = None
    source_system: str
    updated_at: datetime


class Contacts(Contract):
    """The customer's own contact points, each with its type and primary / verified flags."""

    phones: list[Phone] = []
    emails: list[Email] = []
    addresses: list[Address] = []


class ReferenceInView(Contract):
    """A guarantor, relative or colleague; ``customer_name`` is the CRM's name for ``ref_cif`` when that
    person is a customer too (``name`` is what the bank's record of this customer says)."""

    ref_cif: str | None = None
    relationship: str
    name: str
    customer_name: str | None = None
    phones: list[Phone] = []


# An amount passed on as PostgreSQL wrote it (``numeric::text``: exact, never an exponent, the same text as
# MoneyOut writes for that value), so a loan's schedule makes no round trip through Decimal. A view carries
# about 20 installments of 5 amounts each: as decimals they were half of the view's validation and JSON
# writing, as text that work takes a third less time.
MoneyText = Annotated[str, WithJsonSchema(MONEY_OUT_SCHEMA)]


class InstallmentInView(Contract):
    due_date: date
    principal: MoneyText
    interest: MoneyText
    fees: MoneyText
    penalty: MoneyText
    paid: MoneyText


class LoanInView(LoanPublic):
    installments: list[InstallmentInView] = []
    original_amount: MoneyOut
    disbursement_date: date
    maturity_date: date
    interest_rate: Decimal
    term_months: int
    oldest_unpaid_due: date | None = None
    custom_fields: dict[str, Any] = {}
    collateral_numbers: list[str] = []


class CollateralInView(Contract):
    collateral_number: str
    cif: str  # the owner: a collateral can secure this customer's loans and belong to someone else
    type: str
    value: MoneyOut
    currency: str
    valuation_date: date
    details: dict[str, str] = {}
    account_numbers: list[str] = []


class PaymentInView(Contract):
    reference_number: str
    account_number: str
    amount: MoneyOut
    currency: str
    paid_at: datetime
    method: str
    status: str
    reverses: str | None = None  # a reversal: the payment it undoes
    reversed_by: str | None = None  # a payment: the reversal that undid it


class PromiseTerms(Contract):
    date: date
    amount: MoneyOut


class ActionInView(Contract):
    action_id: str
    account_number: str | None = None
    agent_id: str
    type: str
    subtype: str
    result: str
    at: datetime
    notes: str | None = None
    promise: PromiseTerms | None = None
    follow_up_date: date | None = None
    contact: dict[str, Any] | None = None
    visit: dict[str, Any] | None = None


class ReportedWrong(Contract):
    """A number or address an agent's WRONG_NUMBER action named and no right-party contact reached since:
    campaigns do not select it (`processors.strategy.logic.on_action`). The latest report of each, matched
    as flags are (digits of a number, an address lower-cased)."""

    contact: str  # as the action named it
    channel: str
    at: datetime
    agent_id: str
    action_id: str


class PromiseInView(PromisePublic):
    """A promise with its status judged as of ``evaluated_on`` and the amount paid toward it."""

    made_on: date
    agent_id: str | None = None
    evaluated_on: date
    settled_on: date | None = None  # the date the rules kept or broke it (`domain.promises.judged_on`)


class CampaignInView(CampaignAssignment):
    model_config = ConfigDict(extra="ignore", frozen=True)  # stored records may carry more than we show


class StrategyInView(Contract):
    strategy_id: str
    strategy_version: int
    business_date: date | None = None
    delinquent: bool
    campaigns: list[CampaignInView] = []  # one per strategy group that matched, with selected contacts


class AssignmentPeriod(Contract):
    agent_type: str
    agent_id: str | None  # None: no agent (see reason)
    team: str | None = None
    campaign_id: str | None = None
    valid_from: date
    valid_to: date | None = None  # None: current
    reason: str
    strategy_version: int | None = None


class AssignmentInView(Contract):
    current: list[AssignmentPeriod] = []  # at most one per agent type (CALL, FIELD)
    history: list[AssignmentPeriod] = []  # newest first, the current ones included


class CurrencyTotals(Contract):
    currency: str
    overdue: MoneyOut
    outstanding: MoneyOut


class DelinquencySummary(CustomerDelinquency):
    """The worst of the customer's loans. ``overdue_total`` / ``outstanding_total`` are in ``currency``,
    the customer's main currency (largest outstanding); ``by_currency`` has every currency's figures."""

    currency: str | None = None
    by_currency: list[CurrencyTotals] = []
    loans: int = 0
    loans_delinquent: int = 0
    oldest_unpaid_due: date | None = None


class CustomerView(Contract):
    business_date: date | None  # the latest business date: what DPD and buckets are derived for
    customer: CustomerIdentity
    contacts: Contacts
    references: list[ReferenceInView] = []
    loans: list[LoanInView] = []
    collaterals: list[CollateralInView] = []
    payments: list[PaymentInView] = []  # the last 50, newest first
    actions: list[ActionInView] = []  # the last 100, newest first
    reported_wrong: list[ReportedWrong] = []  # reported wrong and not reached since, latest report first
    promises: list[PromiseInView] = []  # the last 100 made, newest first
    strategy: StrategyInView | None = None
    assignment: AssignmentInView
    delinquency: DelinquencySummary
    case: CaseView  # the CRM's own statuses and notes (version 0: never saved)
    crm_contacts: (
        CrmContactsView  # phones and emails agents added (version 0: none yet); `contacts`: the bank's
    )

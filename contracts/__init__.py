"""Pydantic models of every topic value and API body: the project's JSON Schemas (see docs/contracts/)."""

from contracts.actions import AgentAction, ContactInfo, Promise, Visit
from contracts.agents import AgentConfig, AgentSkills, AgentType
from contracts.assignments import AgentAssignment, CampaignAssignment, SelectedContactOut, StrategyAssignment
from contracts.business_date import BusinessDate
from contracts.cases import CaseRecord
from contracts.collaterals import Collateral
from contracts.common import (
    AddressType,
    ContactChannel,
    Contract,
    CustomerType,
    EmailType,
    LoanStatus,
    PaymentMethod,
    PaymentStatus,
    PhoneType,
    ProductType,
)
from contracts.crm_contacts import CrmContacts
from contracts.customers import Address, CustomerRecord, Email, Phone, ReferenceCustomer
from contracts.delinquency import BucketTransition, CustomerDelinquencyRecord, LoanDelinquency
from contracts.dlq import DeadLetter, dead_letter, dead_letter_record
from contracts.loans import Installment, LoanSnapshot
from contracts.payments import Payment
from contracts.promises import PromiseRecord
from contracts.reassignments import Reassignment, ReassignmentDecision
from contracts.strategies import StrategyConfig

# Topic name → the model of its values, for everything that can be ingested.
INBOUND = {
    "bank.customers": CustomerRecord,
    "bank.loans": LoanSnapshot,
    "bank.collaterals": Collateral,
    "payments": Payment,
    "agent.actions": AgentAction,
    "ops.business-date": BusinessDate,
}
CONFIG = {
    "config.agents": AgentConfig,
    "config.strategies": StrategyConfig,
    "allocation.overrides": Reassignment,
    "crm.cases": CaseRecord,
    "crm.contacts": CrmContacts,
}
# Topic name → the model of the values processors produce there.
OUTBOUND = {
    "delinquency.loans": LoanDelinquency,
    "delinquency.transitions": BucketTransition,
    "delinquency.customers": CustomerDelinquencyRecord,
    "promises": PromiseRecord,
    "strategy.assignments": StrategyAssignment,
    "assignments": AgentAssignment,
    "allocation.decisions": ReassignmentDecision,
}

__all__ = [
    "CONFIG",
    "INBOUND",
    "OUTBOUND",
    "BucketTransition",
    "LoanDelinquency",
    "PromiseRecord",
    "Reassignment",
    "ReassignmentDecision",
    "CrmContacts",
    "CaseRecord",
    "AgentAssignment",
    "CampaignAssignment",
    "SelectedContactOut",
    "StrategyAssignment",
    "CustomerDelinquencyRecord",
    "StrategyConfig",
    "Address",
    "AddressType",
    "AgentAction",
    "AgentConfig",
    "AgentSkills",
    "AgentType",
    "BusinessDate",
    "Collateral",
    "ContactChannel",
    "ContactInfo",
    "Contract",
    "CustomerRecord",
    "CustomerType",
    "DeadLetter",
    "Email",
    "EmailType",
    "Installment",
    "LoanSnapshot",
    "LoanStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Phone",
    "PhoneType",
    "ProductType",
    "Promise",
    "ReferenceCustomer",
    "Visit",
    "dead_letter",
    "dead_letter_record",
]

"""Pydantic models of every topic value and API body: the project's JSON Schemas (see docs/contracts/)."""

from contracts.actions import AgentAction, ContactInfo, Promise, Visit
from contracts.agents import AgentConfig, AgentSkills, AgentType
from contracts.business_date import BusinessDate
from contracts.collaterals import Collateral
from contracts.customers import Address, CustomerRecord, Email, Phone, ReferenceCustomer
from contracts.dlq import DeadLetter, dead_letter
from contracts.loans import Installment, LoanSnapshot
from contracts.payments import Payment

# Topic name → the model of its values, for everything that can be ingested.
INBOUND = {
    "bank.customers": CustomerRecord,
    "bank.loans": LoanSnapshot,
    "bank.collaterals": Collateral,
    "payments": Payment,
    "agent.actions": AgentAction,
    "ops.business-date": BusinessDate,
}
CONFIG = {"config.agents": AgentConfig}

__all__ = [
    "CONFIG",
    "INBOUND",
    "Address",
    "AgentAction",
    "AgentConfig",
    "AgentSkills",
    "AgentType",
    "BusinessDate",
    "Collateral",
    "ContactInfo",
    "CustomerRecord",
    "DeadLetter",
    "Email",
    "Installment",
    "LoanSnapshot",
    "Payment",
    "Phone",
    "Promise",
    "ReferenceCustomer",
    "Visit",
    "dead_letter",
]

"""What the strategy processor keeps per customer, and the domain's `CustomerFacts` built from it.

The stored forms are compact JSON (lists, decimal strings) because they live in RocksDB and are read on
every event of the customer; they are turned into domain objects only when the customer is evaluated.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.buckets import grown
from domain.contacts import CustomerContacts, Email, Phone, Reference, contact_key
from domain.strategy import CaseFacts, CustomerFacts, DelinquencySummary, LoanFacts, custom_value

NO_CASE = CaseFacts()


def stored_customer(customer: dict) -> dict:
    """A `bank.customers` value (already validated, as a dict) in the form kept in state."""
    return {
        "updated_at": customer["updated_at"],
        "name": customer.get("company_name") or customer["name"],
        "type": customer["type"],
        "segment": customer["segment"],
        "status": customer["status"],
        "timezone": customer.get("timezone"),
        "date_of_birth": customer.get("date_of_birth"),
        "phones": [_phone(p) for p in customer.get("phones", [])],
        "emails": [
            [e["type"], e["address"], e["is_primary"], e["is_verified"]] for e in customer.get("emails", [])
        ],
        "references": [
            [r["relationship"], r["name"], r.get("ref_cif"), [_phone(p) for p in r.get("phones", [])]]
            for r in customer.get("references", [])
        ],
    }


def stored_case(record: dict) -> dict:
    """A `crm.cases` value (a case's statuses) in the form kept in state."""
    return {key: record.get(key) for key in ("version", "state", "substate", "recovery_ability")}


def stored_crm_contacts(record: dict) -> dict:
    """A `crm.contacts` value (the phones and emails agents added) in the form kept in state: like the
    customer's own, never primary (the bank's primary stays first)."""
    return {
        "version": record["version"],
        "phones": [[p["type"], p["number"], False, p["is_verified"]] for p in record["phones"]],
        "emails": [[e["type"], e["address"], False, e["is_verified"]] for e in record["emails"]],
    }


def _phone(phone: dict) -> list:
    return [phone["type"], phone["number"], phone["is_primary"], phone["is_verified"]]


def stored_delinquency(record: dict) -> dict:
    """A `delinquency.customers` record in the form kept in state."""
    return {
        key: record.get(key)
        for key in (
            "business_date",
            "max_dpd",
            "bucket",
            "overdue_total",
            "outstanding_total",
            "loans_delinquent",
            "accounts",
            "revision",
        )
    }


def _unchanged(dpd: int, recorded_bucket: str) -> tuple[int, str]:
    return dpd, recorded_bucket


def _grower(recorded_on: str | None, as_of: date | None):
    """(dpd, bucket) as recorded → as on ``as_of`` (unchanged unless ``as_of`` is later than the record)."""
    recorded = date.fromisoformat(recorded_on) if recorded_on else None
    if recorded is None or as_of is None or as_of <= recorded:
        return _unchanged

    return lambda dpd, recorded_bucket: grown(dpd, recorded_bucket, recorded, as_of)


def _loan(account: dict, dpd: int, loan_bucket: str) -> LoanFacts:
    return LoanFacts(
        account_number=account["account_number"],
        product_type=account.get("product_type") or "",
        currency=account["currency"],
        dpd=dpd,
        bucket=loan_bucket,
        overdue_amount=Decimal(account["overdue_amount"]),
        outstanding=Decimal(account["outstanding"]),
        status=account.get("status") or "OPEN",
        custom={k: custom_value(v) for k, v in (account.get("custom_fields") or {}).items()},
    )


def _main_currency(delinquency: dict) -> str | None:
    """The currency a customer's totals are compared in: the one with the largest outstanding balance."""
    totals = delinquency.get("outstanding_total") or {}
    return max(totals, key=lambda c: (Decimal(totals[c]), c), default=None)


def customer_facts(
    cif: str,
    customer: dict | None,
    delinquency: dict,
    promises: dict,
    flagged: list,
    as_of: date | None = None,
    crm: dict | None = None,
    case: dict | None = None,
    cease_requested: bool = False,
    dispute_open: bool = False,
) -> CustomerFacts:
    """The facts conditions read, with DPD (and bucket) grown from the record's date to ``as_of`` (the
    partition's business date, when later): between two records of a loan only its DPD moves. The phones
    and emails agents added (``crm``, `stored_crm_contacts`) follow the bank's, those the bank has too
    left out; ``case`` is the customer's case statuses (`stored_case`); ``cease_requested``: an action with
    result CEASE_COMMUNICATION was ever recorded on the customer; ``dispute_open``: a dispute pauses contact
    on ``as_of`` (`domain.disputes.paused_until`)."""
    customer = customer or {}
    crm = crm or {}
    currency = _main_currency(delinquency)
    statuses = list(promises.values())
    grow = _grower(delinquency.get("business_date"), as_of)
    max_dpd, customer_bucket = grow(delinquency["max_dpd"], delinquency["bucket"])
    summary = DelinquencySummary(
        max_dpd=max_dpd,
        bucket=customer_bucket,
        overdue_total=Decimal((delinquency.get("overdue_total") or {}).get(currency, "0")),
        outstanding_total=Decimal((delinquency.get("outstanding_total") or {}).get(currency, "0")),
        broken_promises=statuses.count("BROKEN"),
        loans_delinquent=delinquency.get("loans_delinquent") or 0,
        has_pending_promise="PENDING" in statuses,
    )
    loans = tuple(_loan(a, *grow(a["dpd"], a["bucket"])) for a in delinquency.get("accounts") or [])
    contacts = CustomerContacts(
        phones=tuple(Phone(*p) for p in _and_added(customer.get("phones", []), crm.get("phones", []))),
        emails=tuple(Email(*e) for e in _and_added(customer.get("emails", []), crm.get("emails", []))),
        references=tuple(
            Reference(relationship, name, tuple(Phone(*p) for p in phones), ref_cif)
            for relationship, name, ref_cif, phones in customer.get("references", [])
        ),
    )
    born = customer.get("date_of_birth")
    return CustomerFacts(
        cif=cif,
        type=customer.get("type", ""),
        segment=customer.get("segment", ""),
        status=customer.get("status", ""),
        delinquency=summary,
        loans=loans,
        contacts=contacts,
        flagged_contacts=frozenset(flagged),
        timezone=customer.get("timezone"),
        date_of_birth=date.fromisoformat(born) if born else None,
        case=CaseFacts(case.get("state"), case.get("recovery_ability"), case.get("substate"))
        if case
        else NO_CASE,
        cease_requested=cease_requested,
        dispute_open=dispute_open,
    )


def _and_added(banks: list, added: list) -> list:
    """The bank's contacts, then those agents added that the bank does not have (by number or address)."""
    if not added:
        return banks
    known = {contact_key(entry[1]) for entry in banks}
    return [*banks, *(entry for entry in added if contact_key(entry[1]) not in known)]

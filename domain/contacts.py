"""Contact selection: which phones and emails of a customer (or of their references) a campaign uses.

A campaign's rules apply in order, the first being the most wanted. Each rule picks phone and/or email
types, from the customer's own contacts or from reference customers' phones, optionally only verified
ones. Within a rule, contacts come in the order of the rule's types, primary first, then as recorded.
A number or address chosen by an earlier rule, or flagged (a WRONG_NUMBER result, a bounced email), is
skipped, so the result is ordered and has no duplicates.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import InvalidConfig

PHONE_TYPES = ("MOBILE", "HOME", "WORK", "OTHER")
EMAIL_TYPES = ("PERSONAL", "WORK", "HOME", "OTHER")


class Channel(StrEnum):
    PHONE = "PHONE"
    EMAIL = "EMAIL"


class ContactSource(StrEnum):
    CUSTOMER = "CUSTOMER"  # the customer's own phones and emails
    REFERENCE = "REFERENCE"  # guarantors', relatives' and colleagues' phones


class InvalidContactRule(InvalidConfig):
    """A contact rule that cannot select anything sensible; ``part`` names the attribute at fault."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True, slots=True)
class Phone:
    type: str
    number: str
    is_primary: bool = False
    is_verified: bool = False


@dataclass(frozen=True, slots=True)
class Email:
    type: str
    address: str
    is_primary: bool = False
    is_verified: bool = False


@dataclass(frozen=True, slots=True)
class Reference:
    relationship: str
    name: str
    phones: tuple[Phone, ...] = ()
    ref_cif: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerContacts:
    phones: tuple[Phone, ...] = ()
    emails: tuple[Email, ...] = ()
    references: tuple[Reference, ...] = ()


def _known(values: Iterable[str], allowed: tuple[str, ...], part: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(values))  # duplicates add nothing; the order is the preference
    unknown = [value for value in chosen if value not in allowed]
    if unknown:
        raise InvalidContactRule(f"{part}: unknown type {unknown[0]!r}; use {', '.join(allowed)}", part)
    return chosen


@dataclass(frozen=True, slots=True)
class ContactRule:
    source: ContactSource = ContactSource.CUSTOMER
    phone_types: tuple[str, ...] = ()
    email_types: tuple[str, ...] = ()
    verified_only: bool = False
    relationships: tuple[str, ...] = ()  # REFERENCE only; empty means every relationship

    def __post_init__(self) -> None:
        try:
            source = ContactSource(self.source)
        except ValueError:
            raise InvalidContactRule(
                f"source: {self.source!r} is not CUSTOMER or REFERENCE", "source"
            ) from None
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "phone_types", _known(self.phone_types, PHONE_TYPES, "phone_types"))
        object.__setattr__(self, "email_types", _known(self.email_types, EMAIL_TYPES, "email_types"))
        object.__setattr__(self, "relationships", tuple(self.relationships))
        if not self.phone_types and not self.email_types:
            raise InvalidContactRule(
                "phone_types: a rule must pick at least one phone or email type", "phone_types"
            )
        if source is ContactSource.REFERENCE and self.email_types:
            raise InvalidContactRule("email_types: reference customers have phones only", "email_types")
        if source is ContactSource.CUSTOMER and self.relationships:
            raise InvalidContactRule(
                "relationships: only a REFERENCE rule picks relationships", "relationships"
            )


@dataclass(frozen=True, slots=True)
class SelectedContact:
    channel: Channel
    value: str  # the number or address as recorded
    type: str
    source: ContactSource
    rule: int  # position of the rule that chose it, from 0
    is_primary: bool = False
    is_verified: bool = False
    ref_cif: str | None = None  # REFERENCE only: who the number belongs to
    relationship: str | None = None
    name: str | None = None


def digits(number: str) -> str:
    """A phone number's digits: "+1 (555) 010-0000" is "15550100000"; none, and there is nothing to dial."""
    return "".join(ch for ch in number if "0" <= ch <= "9")


def contact_key(value: str) -> str:
    """How duplicates and flags are matched: a phone's digits (`digits`), an email lower-cased."""
    if "@" in value:
        return value.strip().lower()
    return digits(value)


def still_wrong(reported: str | datetime, reached: str | datetime | None) -> bool:
    """Whether a number reported wrong at ``reported`` stays flagged: unless the customer was reached on it
    later (``reached``, the latest right-party contact on it; None: never). A reach at the same moment
    leaves it flagged. Both times of one kind: the strategy processor's fixed-width UTC text, or the 360
    view's datetimes; both judge by this one rule."""
    return reached is None or reported >= reached


def _ordered(items: Sequence[Phone] | Sequence[Email], types: tuple[str, ...], verified_only: bool) -> list:
    rank = {kind: n for n, kind in enumerate(types)}
    eligible = [
        (rank[item.type], not item.is_primary, position, item)
        for position, item in enumerate(items)
        if item.type in rank and (item.is_verified or not verified_only)
    ]
    return [item for *_, item in sorted(eligible, key=lambda row: row[:3])]


def _candidates(rule: ContactRule, index: int, contacts: CustomerContacts) -> Iterator[SelectedContact]:
    if rule.source is ContactSource.CUSTOMER:
        for phone in _ordered(contacts.phones, rule.phone_types, rule.verified_only):
            yield SelectedContact(
                Channel.PHONE,
                phone.number,
                phone.type,
                rule.source,
                index,
                phone.is_primary,
                phone.is_verified,
            )
        for email in _ordered(contacts.emails, rule.email_types, rule.verified_only):
            yield SelectedContact(
                Channel.EMAIL,
                email.address,
                email.type,
                rule.source,
                index,
                email.is_primary,
                email.is_verified,
            )
        return
    for reference in contacts.references:
        if rule.relationships and reference.relationship not in rule.relationships:
            continue
        for phone in _ordered(reference.phones, rule.phone_types, rule.verified_only):
            yield SelectedContact(
                Channel.PHONE,
                phone.number,
                phone.type,
                rule.source,
                index,
                phone.is_primary,
                phone.is_verified,
                reference.ref_cif,
                reference.relationship,
                reference.name,
            )


def select_contacts(
    rules: Sequence[ContactRule], contacts: CustomerContacts, flagged: Collection[str] = frozenset()
) -> tuple[SelectedContact, ...]:
    """The contacts the rules pick, in order, each number or address once, flagged ones left out."""
    blocked = {contact_key(value) for value in flagged}
    seen: set[tuple[Channel, str]] = set()
    chosen = []
    for index, rule in enumerate(rules):
        for candidate in _candidates(rule, index, contacts):
            key = contact_key(candidate.value)
            if not key or key in blocked or (candidate.channel, key) in seen:
                continue
            seen.add((candidate.channel, key))
            chosen.append(candidate)
    return tuple(chosen)

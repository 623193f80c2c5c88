"""``bank.customers``: customer snapshots from core banking, keyed by ``cif``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field

from contracts.common import (
    AddressType,
    Code,
    Contract,
    CountryCode,
    CustomerType,
    EmailType,
    Identifier,
    KeyedContract,
    PhoneType,
    ShortText,
    Timestamp,
)

PhoneNumber = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()-]+$")]
EmailAddress = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_zone(name: str) -> str:
    if not _known_zone(name):
        raise ValueError(f"unknown IANA time zone {name!r}")
    return name


TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_check_zone)]


class Phone(Contract):
    type: PhoneType
    number: PhoneNumber
    is_primary: bool = False
    is_verified: bool = False


class Email(Contract):
    type: EmailType
    address: EmailAddress
    is_primary: bool = False
    is_verified: bool = False


class Place(Contract):
    """Where an address is: the bank's (`Address`) and those agents add (`CrmAddress`)."""

    type: AddressType
    line1: ShortText
    line2: ShortText | None = None
    city: ShortText
    province: ShortText | None = None
    postal_code: Annotated[str, Field(max_length=16)] | None = None
    country: CountryCode

    def one_line(self) -> str:
        """The address on one line, e.g. ``12 Ly Thuong Kiet, Hoan Kiem, Hanoi 100000, VN``."""
        city = " ".join(filter(None, (self.city, self.postal_code)))
        return ", ".join(filter(None, (self.line1, self.line2, self.province, city, self.country)))

    def key(self) -> str:
        """How repeats are matched: every part, case and spacing aside."""
        parts = (self.line1, self.line2, self.city, self.province, self.postal_code, self.country)
        return "|".join(" ".join((part or "").casefold().split()) for part in parts)


class Address(Place):
    is_primary: bool = False
    is_verified: bool = False


class ReferenceCustomer(Contract):
    """A guarantor, relative or colleague who may be contacted about the customer."""

    ref_cif: Identifier | None = None
    relationship: Code
    name: ShortText
    phones: Annotated[list[Phone], Field(max_length=10)] = []


class CustomerRecord(KeyedContract):
    KEY_FIELD = "cif"

    cif: Identifier
    type: CustomerType
    name: ShortText
    national_id: Annotated[str, Field(max_length=32)] | None = None
    company_name: ShortText | None = None
    registration_number: Annotated[str, Field(max_length=32)] | None = None
    tax_id: Annotated[str, Field(max_length=32)] | None = None
    date_of_birth: date | None = None
    segment: Code
    status: Code
    phones: Annotated[list[Phone], Field(max_length=20)] = []
    emails: Annotated[list[Email], Field(max_length=20)] = []
    addresses: Annotated[list[Address], Field(max_length=20)] = []
    references: Annotated[list[ReferenceCustomer], Field(max_length=20)] = []
    timezone: TimeZoneName | None = None
    source_system: Code
    updated_at: Timestamp

    def visiting_address(self) -> Address | None:
        return visiting_address(self.addresses)


def visiting_address(addresses: Sequence[Address]) -> Address | None:
    """Where a field agent goes: the primary address, else the first home address, else the first one (an
    organisation's may all be WORK); None without any."""
    primary = next((a for a in addresses if a.is_primary), None)
    home = next((a for a in addresses if a.type == "HOME"), None)
    return primary or home or next(iter(addresses), None)

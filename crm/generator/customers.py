"""One synthetic customer record: identity, contacts, addresses, references, time zone."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

from crm.generator import names

AS_OF_TIME = "T20:00:00+07:00"


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def person_name(rng: random.Random, abroad: bool) -> tuple[str, str, str]:
    """(full name, given name, family name)."""
    if abroad and rng.random() < 0.7:
        given, family = rng.choice(names.EN_GIVEN), rng.choice(names.EN_FAMILY)
        return f"{given} {family}", given, family
    family = rng.choices(names.VI_FAMILY, names.VI_FAMILY_WEIGHTS)[0]
    if rng.random() < 0.5:
        middle, given = rng.choice(names.VI_MIDDLE_MALE), rng.choice(names.VI_GIVEN_MALE)
    else:
        middle, given = rng.choice(names.VI_MIDDLE_FEMALE), rng.choice(names.VI_GIVEN_FEMALE)
    return f"{family} {middle} {given}", given, family


def _mobile(rng: random.Random, country: str) -> str:
    if country == "VN":
        prefix = f"{rng.choice(names.MOBILE_PREFIXES)}{rng.randrange(10)}"
        return f"+84 {prefix} {rng.randrange(1000):03d} {rng.randrange(1000):03d}"
    if country == "US":
        return f"+1 ({rng.randrange(201, 990)}) {rng.randrange(200, 1000)}-{rng.randrange(10000):04d}"
    return f"+{rng.choice(('44', '65', '66'))} {rng.randrange(10**7, 10**8)}"


def _phone(rng: random.Random, kind: str, number: str, primary: bool) -> dict:
    return {"type": kind, "number": number, "is_primary": primary, "is_verified": rng.random() < 0.8}


def customer(rng: random.Random, index: int, snapshot: date, cifs_in_chunk: range) -> dict:
    abroad = rng.random() < 0.04
    place = rng.choice(names.ABROAD) if abroad else rng.choices(names.PLACES, names.PLACE_WEIGHTS)[0]
    city, province, postal, country, timezone = place
    organization = rng.random() < 0.12
    cif = f"C{index:09d}"
    record: dict = {"cif": cif, "type": "ORGANIZATION" if organization else "INDIVIDUAL"}
    if organization:
        company = rng.choice(names.COMPANY_KINDS).format(rng.choice(names.COMPANY_WORDS))
        record.update(
            name=company,
            company_name=company,
            registration_number=f"0{rng.randrange(10**8, 10**9)}",
            tax_id=f"{rng.randrange(10**9, 10**10)}",
            segment=rng.choice(("SME", "SME", "CORPORATE")),
        )
        handle = ascii_slug(company)[:20]
    else:
        full, given, family = person_name(rng, abroad)
        birth = snapshot - timedelta(days=rng.randrange(20 * 365, 70 * 365))
        record.update(
            name=full,
            national_id=f"0{rng.randrange(10**10, 10**11)}",
            date_of_birth=birth.isoformat(),
            segment=rng.choices(("MASS", "AFFLUENT", "PRIORITY"), (80, 17, 3))[0],
        )
        handle = f"{ascii_slug(given)}.{ascii_slug(family)}{rng.randrange(100)}"
    record["status"] = rng.choices(("ACTIVE", "DORMANT"), (97, 3))[0]
    phones = [_phone(rng, "MOBILE", _mobile(rng, country), True)]
    for kind in ("HOME", "WORK"):
        if rng.random() < 0.25:
            phones.append(_phone(rng, kind, _mobile(rng, country), False))
    record["phones"] = phones
    emails = []
    if rng.random() < 0.75:
        domain = rng.choice(names.EMAIL_DOMAINS)
        emails.append(
            {
                "type": "PERSONAL",
                "address": f"{handle}@{domain}",
                "is_primary": True,
                "is_verified": rng.random() < 0.6,
            }
        )
    record["emails"] = emails
    street = (
        f"{rng.randrange(1, 400)} {rng.choice(names.STREETS)}"
        if country == "VN"
        else f"{rng.randrange(1, 900)} Main Street"
    )
    address = {
        "type": "HOME",
        "line1": street,
        "city": city,
        "country": country,
        "is_primary": True,
        "is_verified": rng.random() < 0.7,
        "postal_code": f"{postal}{rng.randrange(1000):03d}",
    }
    if province:
        address["province"] = province
    record["addresses"] = [address]
    references = []
    for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
        ref_name = person_name(rng, False)[0]
        reference = {
            "relationship": rng.choice(("SPOUSE", "PARENT", "SIBLING", "GUARANTOR", "COLLEAGUE")),
            "name": ref_name,
            "phones": [_phone(rng, "MOBILE", _mobile(rng, "VN"), True)],
        }
        other = rng.choice(cifs_in_chunk)  # a relative who also banks here, never the customer themself
        if rng.random() < 0.3 and other != index:
            reference["ref_cif"] = f"C{other:09d}"
        references.append(reference)
    record["references"] = references
    record["timezone"] = timezone
    record["source_system"] = "T24"
    record["updated_at"] = (snapshot - timedelta(days=rng.randrange(0, 400))).isoformat() + AS_OF_TIME
    return record

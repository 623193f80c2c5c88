"""What each input topic contributes to a customer's document in the ``customers`` search index.

Pure functions, no I/O. The local Elasticsearch has only the ``standard`` tokenizer (no asciifolding, no
n-grams), so everything that makes search tolerant is computed here and indexed as plain keywords: names
folded to lower-case ASCII-ish words and their prefixes, phone numbers as digits and every 4+ digit
substring, identifiers lower-cased. The API folds a query with the same functions (`api/queries/search.py`),
so the two always agree, and a full Elasticsearch behaves the same.

Each source owns its fields, so partial documents from different sources can be applied in any order:

- `bank.customers` → identity, contacts and addresses (``customer_fields``)
- `delinquency.customers` → bucket, DPD, overdue and the account numbers (``delinquency_fields``)
- `assignments` → the agent and team of one agent type, in fields of that type (``assignment_fields``)
- `crm.contacts` → the phones, emails and addresses agents added, in ``added_…`` fields the mapping copies
  into the bank's (``copy_to``), so one query finds either (``added_contact_fields``)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from contracts import AgentAssignment, CrmContacts, CustomerDelinquencyRecord, CustomerRecord
from contracts.customers import Place

INDEX = "customers"  # the logical index; infra/search_indices.py puts an alias of this name (namespaced)
MIN_PREFIX = 2  # "nguy" finds "Nguyễn"; one letter would match half the portfolio
MAX_PREFIX = 24  # longer query words are compared by their first 24 letters (bounds the index)
MIN_PHONE_DIGITS = 4
MAX_PHONE_SUBSTRING = 15  # E.164 numbers have at most 15 digits; longer queries must equal the whole number

# Letters that Unicode does not decompose into a base letter and a combining mark.
_LETTERS = str.maketrans(
    {
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "ß": "ss",
        "ẞ": "ss",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
    }
)
# German spells an umlaut out when it cannot type it (Müller = Mueller): both spellings are indexed.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_WORD = re.compile(r"[^\W_]+")
_NOT_DIGIT = re.compile(r"\D")
_PHONE_QUERY = re.compile(r"^[0-9 +().\-]+$")
_SEPARATORS = re.compile(r"[\s./-]+")


def fold(text: str) -> str:
    """Lower case without accents: ``"Nguyễn Văn Đức"`` → ``"nguyen van duc"``, ``"Søren"`` → ``"soren"``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (punctuation separates words: "O'Brien" → o, brien)."""
    return _WORD.findall(fold(text))


def name_words(*names: str | None) -> list[str]:
    """Every folded word of the names, with the spelled-out umlaut variant of German words, unique."""
    found: dict[str, None] = {}
    for name in names:
        if not name:
            continue
        for variant in dict.fromkeys((name, name.translate(_UMLAUTS))):  # ordered: same input, same list
            found.update(dict.fromkeys(words(variant)))
    return list(found)


def prefixes(word: str) -> list[str]:
    """The word's prefixes from ``MIN_PREFIX`` letters up to ``MAX_PREFIX`` (the word itself if shorter)."""
    return [word[:length] for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1)]


def name_prefixes(found_words: Iterable[str]) -> list[str]:
    unique: dict[str, None] = {}
    for word in found_words:
        unique.update(dict.fromkeys(prefixes(word)))
    return list(unique)


def prefix_term(word: str) -> str:
    """What a query word is looked up as among the indexed prefixes."""
    return word[:MAX_PREFIX]


def digits(number: str) -> str:
    """The digits of a phone number: spaces, ``+``, ``-``, ``.`` and parentheses dropped."""
    return _NOT_DIGIT.sub("", number)


def looks_like_phone(query: str) -> bool:
    """A query of phone characters only, with at least ``MIN_PHONE_DIGITS`` digits."""
    return bool(_PHONE_QUERY.match(query)) and len(digits(query)) >= MIN_PHONE_DIGITS


def international_number(query: str) -> bool:
    """A query that begins with ``+`` and holds only phone characters: a number, never a name or an
    address, however few its digits ("+84" is not the house number 84)."""
    return query.startswith("+") and bool(_PHONE_QUERY.match(query))


def phone_substrings(number_digits: str) -> list[str]:
    """Every substring of at least ``MIN_PHONE_DIGITS`` and at most ``MAX_PHONE_SUBSTRING`` digits."""
    n = len(number_digits)
    found: dict[str, None] = {}
    for length in range(MIN_PHONE_DIGITS, min(n, MAX_PHONE_SUBSTRING) + 1):
        found.update(dict.fromkeys(number_digits[i : i + length] for i in range(n - length + 1)))
    return list(found)


def key(identifier: str) -> str:
    """A cif or account number as it is matched: exactly, but regardless of case."""
    return identifier.strip().casefold()


def id_keys(identifier: str) -> list[str]:
    """A national id, registration number or tax id as matched: regardless of case, and also without the
    spaces, dots, slashes and hyphens that people type or leave out (``"012-345 678"`` = ``"012345678"``)."""
    exact = key(identifier)
    compact = _SEPARATORS.sub("", exact)
    return [exact] if compact == exact or not compact else [exact, compact]


def email_key(address: str) -> str:
    return address.strip().lower()


def address_words(places: Iterable[Place]) -> list[str]:
    """The folded words of the addresses' street lines and postal code, once each. Not the city, province
    or country: words a third of a bank's customers share (Ho Chi Minh) make long lists that every search
    with words would walk, for matches no one reads (a search is for a customer, not a filter)."""
    found: dict[str, None] = {}
    for place in places:
        for part in (place.line1, place.line2, place.postal_code):
            if part:
                found.update(dict.fromkeys(words(part)))
    return list(found)


def address_key(line: str) -> str:
    """An address on one line as two spellings of it are matched: its folded words."""
    return " ".join(words(line))


class DocumentChange(NamedTuple):
    """A partial document: the fields one source owns, for one customer."""

    cif: str
    source: str  # customer | delinquency | agent:CALL | agent:FIELD
    fields: dict


def _identity(cif: str) -> dict:
    return {"cif": cif, "cif_key": key(cif)}


def customer_fields(record: CustomerRecord) -> DocumentChange:
    """Identity and contacts from `bank.customers`: every field of this source, so a newer record replaces
    all of an older one's (a phone that was removed is no longer found)."""
    found_words = name_words(record.name, record.company_name)
    ids = [i for i in (record.national_id, record.registration_number, record.tax_id) if i]
    display = record.company_name or record.name
    fields = {
        **_identity(record.cif),
        "type": record.type.value,
        "name": display,
        "name_sort": fold(display),
        "name_words": found_words,
        "name_prefixes": name_prefixes(found_words),
        "national_id": record.national_id or record.registration_number,
        "id_keys": list(dict.fromkeys(k for i in ids for k in id_keys(i))),
        **_contact_fields(record),
    }
    return DocumentChange(record.cif, "customer", fields)


def _contact_fields(record: CustomerRecord | CrmContacts, prefix: str = "") -> dict:
    """The phones, emails and addresses as the query finds them, under ``prefix`` (``added_``: those agents
    added, which the mapping copies into the bank's fields)."""
    numbers, substrings = _phone_keys(phone.number for phone in record.phones)
    fields = {
        "phones": [phone.number for phone in record.phones],
        "phone_digits": numbers,
        "phone_substrings": substrings,
        "emails": list(dict.fromkeys(email_key(email.address) for email in record.emails)),
        "addresses": [place.one_line() for place in record.addresses],
        "address_words": address_words(record.addresses),
    }
    return {prefix + name: value for name, value in fields.items()} if prefix else fields


def _phone_keys(numbers: Iterable[str]) -> tuple[list[str], list[str]]:
    """Each number's digits, and every 4+ digit substring of them, once."""
    found = [digits(number) for number in numbers]
    substrings: dict[str, None] = {}
    for number in found:
        substrings.update(dict.fromkeys(phone_substrings(number)))
    return list(dict.fromkeys(n for n in found if n)), list(substrings)


def added_contact_fields(record: CrmContacts) -> DocumentChange:
    """The phones, emails and addresses agents added (`crm.contacts`, the whole list): every field of this
    source, so a newer list replaces all of an older one's. The mapping copies them into ``phone_digits``,
    ``phone_substrings``, ``emails`` and ``address_words``, where the API's query looks."""
    return DocumentChange(
        record.cif, "crm_contacts", {**_identity(record.cif), **_contact_fields(record, "added_")}
    )


def delinquency_fields(record: CustomerDelinquencyRecord) -> DocumentChange:
    """Bucket, DPD (with what today's DPD is derived from), overdue per currency and the customer's
    accounts from `delinquency.customers`. ``overdue_total`` is a list, not an object: Elasticsearch merges
    objects of a partial update into the stored one, which would keep a currency that has gone."""
    accounts = [account.account_number for account in record.accounts]
    fields = {
        **_identity(record.cif),
        "bucket": record.bucket,
        "max_dpd": record.max_dpd,
        "oldest_unpaid_due": record.oldest_unpaid_due.isoformat() if record.oldest_unpaid_due else None,
        "business_date": record.business_date.isoformat(),
        "overdue_total": [
            {"currency": currency, "amount": format(amount, "f")}
            for currency, amount in sorted(record.overdue_total.items())
        ],
        "account_numbers": accounts,
        "account_keys": list(dict.fromkeys(key(account) for account in accounts)),
    }
    return DocumentChange(record.cif, "delinquency", fields)


def assignment_fields(record: AgentAssignment) -> DocumentChange:
    """The agent and team of one agent type, in that type's own fields (``call_agent_id``, ``call_team``
    or ``field_…``): the mapping copies both types into ``agent_ids`` and ``teams`` (``copy_to``), so the two
    types never overwrite each other and no state is needed. The team is kept even without an agent, as
    `api/visibility.py` does for supervisors."""
    prefix = record.agent_type.value.lower()
    fields = {**_identity(record.cif), f"{prefix}_agent_id": record.agent_id, f"{prefix}_team": record.team}
    return DocumentChange(record.cif, f"agent:{record.agent_type.value}", fields)


def latest_documents(changes: Iterable[DocumentChange]) -> dict[str, dict]:
    """cif → the fields to upsert: the last change per (cif, source) wins, in processing order.

    Sources own disjoint fields (all write the same ``cif``), so merging a customer's changes field by
    field in order is the same as applying each source's last change.
    """
    merged: dict[str, dict] = {}
    for change in changes:
        document = merged.pop(change.cif, None) or {}
        document.update(change.fields)
        merged[change.cif] = document  # re-inserted: the order of last changes is kept
    return merged

"""Searching customers in Elasticsearch: the query built from structured input, and its answer read back.

The query is a dictionary built from the parameters (terms, never query-string syntax), so nothing a caller
types is interpreted by Elasticsearch. The text is folded, split and reduced to digits with the same
functions that built the indexed fields (`processors/search/documents.py`), so both sides always agree.

Ranking: every clause has a constant score, so the order is the kind of match, not term statistics:
an identifier (cif, account number, national id / registration number / tax id) scores 100, an email 80,
a whole phone number 60, a part of one 30, a name 10 per word matched whole or 5 per word matched as a
prefix, and an address 3 per word (whole words; a search that found nothing is asked again with its last
word as the beginning of an address word); a name typed with a number ("Viet 0970 659 158") or an
identifier ("nguyen LN-002") scores both;
ties are in name order, then cif.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import orjson

from api.errors import ServiceUnavailable
from api.search_client import SearchClient
from api.visibility import Scope
from contracts.search import SearchResult, SearchResults
from crm.settings import redact_credentials
from processors.search.documents import (
    INDEX,
    MAX_PHONE_SUBSTRING,
    MIN_PHONE_DIGITS,
    MIN_PREFIX,
    address_key,
    digits,
    email_key,
    id_keys,
    international_number,
    key,
    looks_like_phone,
    prefix_term,
    words,
)

IDENTIFIER, EMAIL, WHOLE_PHONE, PART_OF_PHONE, WHOLE_WORD, WORD_PREFIX = 100, 80, 60, 30, 10, 5
ADDRESS_WORD = 3  # below a name's: "Tran Hung Dao" the customer comes before those on Tran Hung Dao street
MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window: deeper pages are refused
SOURCE_FIELDS = [
    "cif",
    "name",
    "type",
    "national_id",
    "phones",
    "added_phones",
    "addresses",
    "added_addresses",
    "bucket",
    "max_dpd",
    "oldest_unpaid_due",
    "overdue_total",
    "call_agent_id",
    "field_agent_id",
    "account_numbers",
]


@dataclass(frozen=True)
class SearchRequest:
    q: str | None = None
    bucket: str | None = None
    agent: str | None = None
    page: int = 1
    page_size: int = 20


def _scored(query: dict, score: int) -> dict:
    return {"constant_score": {"filter": query, "boost": score}}


def _word(word: str) -> dict:
    """A name word matched whole (``WHOLE_WORD``) or, two letters or more, as the beginning of a word
    (``WORD_PREFIX``). A word is among its own indexed prefixes, so the prefix is required and a whole match
    adds the difference: Elasticsearch walks the prefix's documents and looks the word up only at those (a
    ``dis_max`` of the two walked both lists: a sixth to a quarter of a name search's time)."""
    whole = {"term": {"name_words": word}}
    if len(word) < MIN_PREFIX:
        return _scored(whole, WHOLE_WORD)
    prefix = {"term": {"name_prefixes": prefix_term(word)}}
    return {
        "bool": {"must": [_scored(prefix, WORD_PREFIX)], "should": [_scored(whole, WHOLE_WORD - WORD_PREFIX)]}
    }


def _identifier_clauses(text: str) -> list[dict]:
    return [
        _scored({"term": {"cif_key": key(text)}}, IDENTIFIER),
        _scored({"term": {"account_keys": key(text)}}, IDENTIFIER),
        _scored({"terms": {"id_keys": id_keys(text)}}, IDENTIFIER),
    ]


def _phone_clauses(text: str) -> list[dict]:
    """``text`` as a whole phone number or a part of one; none unless it looks like a number."""
    if not looks_like_phone(text):
        return []
    number = digits(text)
    clauses = [_scored({"term": {"phone_digits": number}}, WHOLE_PHONE)]
    # "0912 345 678" also finds "+84 912 345 678": a national trunk prefix is not part of the number
    parts = {part for part in (number, number.lstrip("0")) if len(part) >= MIN_PHONE_DIGITS}
    parts = {part for part in parts if len(part) <= MAX_PHONE_SUBSTRING}
    if parts:
        clauses.append(_scored({"terms": {"phone_substrings": sorted(parts)}}, PART_OF_PHONE))
    return clauses


def name_and_number_clause(text: str) -> dict | None:
    """A name typed with a number ("Viet 0970 659 158", "nguyen van an 079123456") or an identifier that
    holds letters ("nguyen LN-002", "muller HRB-1234"): the words of letters only all in the name, the
    digits-only words, read together, one phone number (or a part of one) or an identifier, and each word of
    letters and digits an identifier. All are required; each alone is one of the other clauses, which a mixed
    text never met (every word had to be in the name). None unless the text holds a name and a number (with
    ``MIN_PHONE_DIGITS`` digits) or an identifier, and none when its digits are too few to be a number."""
    named: list[str] = []
    identifiers: list[str] = []
    numbers: list[str] = []
    for token in text.split():
        if not any(c.isalpha() for c in token):
            numbers.append(token)
        else:
            (identifiers if any(c.isdigit() for c in token) else named).append(token)
    number = " ".join(numbers)
    name = list(dict.fromkeys(word for token in named for word in words(token)))
    if not name or (number and not looks_like_phone(number)) or not (number or identifiers):
        return None
    typed = [[*_phone_clauses(number), *_identifier_clauses(number)]] if number else []
    typed += [_identifier_clauses(identifier) for identifier in dict.fromkeys(identifiers)]
    either = [{"bool": {"should": ways, "minimum_should_match": 1}} for ways in typed]
    return {"bool": {"must": [*(_word(word) for word in name), *either]}}


def match_clauses(text: str) -> list[dict]:
    """The ways ``text`` can match a customer; any one of them is enough."""
    text = text.strip()
    clauses = _identifier_clauses(text)
    if "@" in text:
        clauses.append(_scored({"term": {"emails": email_key(text)}}, EMAIL))
    clauses.extend(_phone_clauses(text))
    if international_number(text):
        return clauses  # its digit groups are not words of a name or an address
    found = list(dict.fromkeys(words(text)))
    if found:  # every word must match: all of them in the name, or all of them in one customer's addresses
        clauses.append({"bool": {"must": [_word(word) for word in found]}})
        address = [_scored({"term": {"address_words": word}}, ADDRESS_WORD) for word in found]
        clauses.append({"bool": {"must": address}})
    if (named := name_and_number_clause(text)) is not None:
        clauses.append(named)
    return clauses


def address_prefix_clauses(text: str) -> list[dict] | None:
    """The retry of a search that found nothing: every word of ``text`` in the customer's addresses, the
    last one as the beginning of a word ("27 pho hu" is typed before "hue" is finished). Only then: as one
    more way to match in every search, a prefix over the address words would cost each name search (a
    street's words are shared by many customers). None for an email, a phone number or one word (a cif, a
    lone name an agent may not see: no street, and a second query for each), and when the last word is too
    short to be a prefix."""
    if "@" in text or looks_like_phone(text):
        return None
    found = list(dict.fromkeys(words(text)))
    if len(found) < 2 or len(found[-1]) < MIN_PREFIX:
        return None
    *whole, last = found
    clauses = [_scored({"term": {"address_words": word}}, ADDRESS_WORD) for word in whole]
    return [*clauses, _scored({"prefix": {"address_words": last}}, ADDRESS_WORD)]


def scope_filter(scope: Scope) -> list[dict]:
    """Whom the caller may see (`api/visibility.py`): an agent their customers, a supervisor their team's."""
    if scope.agent_id is not None:
        return [{"term": {"agent_ids": scope.agent_id}}]
    if scope.team is not None:
        return [{"term": {"teams": scope.team}}]
    return []


def build_query(request: SearchRequest, scope: Scope, must: list[dict] | None = None) -> dict:
    """The `_search` body: one page of the matches of ``q`` (everyone without it) the caller may see; with
    ``must``, of those clauses instead (`address_prefix_clauses`)."""
    filters = scope_filter(scope)
    if request.bucket is not None:
        filters.append({"term": {"bucket": request.bucket}})
    if request.agent is not None:
        filters.append({"term": {"agent_ids": request.agent}})
    query: dict = {"bool": {"filter": filters}}
    if must is not None:
        query["bool"]["must"] = must
    elif request.q is not None:
        query["bool"].update(should=match_clauses(request.q), minimum_should_match=1)
    return {
        "query": query,
        "sort": ["_score", {"name_sort": {"order": "asc", "missing": "_last"}}, {"cif": "asc"}],
        "from": (request.page - 1) * request.page_size,
        "size": request.page_size,
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
    }


# Today's DPD is derived from the latest business date the index has seen (records are re-emitted when the
# bucket or an amount changes, not every day), as GET /api/loans does from PostgreSQL. The top document by
# date is found from the date's index structure alone (a `max` aggregation over everyone would read every
# document: +17 ms at a million customers); it goes in the same request as the search (`_msearch`) when the
# worker's last answer is older than LATEST_DATE_TTL_S (`LatestDates`).
LATEST_BUSINESS_DATE = {
    "size": 1,
    "sort": [{"business_date": "desc"}],
    "_source": False,
    "docvalue_fields": ["business_date"],
    "track_total_hits": False,
}
LATEST_DATE_TTL_S = 1.0


class LatestDates:
    """The latest business date each index has seen, as last asked, reused for ``ttl_s``.

    Asked with every search, it was a third of Elasticsearch's CPU per search (a second query in the
    `_msearch`; alternating runs, 20,000 customers: 1,203-1,370 -> 1,583-1,787 searches/s, p99 155-164 ->
    104-114 ms). A business date moves once a day (once a minute in `crm demo`), so a search's DPD follows
    it a second late at most. Kept per app (`Resources`), per index alias."""

    def __init__(self, ttl_s: float = LATEST_DATE_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._known: dict[str, tuple[float, date | None]] = {}

    def get(self, alias: str) -> tuple[bool, date | None]:
        """(True, the date) while the last answer is fresh, (False, None) when it must be asked."""
        known = self._known.get(alias)
        if known is None or self.clock() - known[0] >= self.ttl_s:
            return False, None
        return True, known[1]

    def note(self, alias: str, latest_answer: dict) -> date | None:
        """Keep the date in the answer to ``LATEST_BUSINESS_DATE`` (None: the index is empty); return it."""
        top = latest_answer["hits"]["hits"]
        dates = top[0].get("fields", {}).get("business_date") if top else None
        business_date = date.fromisoformat(dates[0]) if dates else None
        self._known[alias] = (self.clock(), business_date)
        return business_date


def _bank_then_added(source: dict, field: str, key: Callable[[str], str]) -> list[str]:
    """The bank's ``field`` (phones, addresses), then those agents added (``added_<field>``) that the bank
    does not have, matched by ``key`` (a number's digits, an address's folded words)."""
    banks = source.get(field) or []
    known = {key(value) for value in banks}
    return [*banks, *(value for value in source.get(f"added_{field}") or [] if key(value) not in known)]


def result_of(source: dict, business_date: date | None) -> SearchResult:
    agents = [source.get("call_agent_id"), source.get("field_agent_id")]
    max_dpd, oldest = source.get("max_dpd"), source.get("oldest_unpaid_due")
    if max_dpd and oldest and business_date:
        max_dpd = max(max_dpd, (business_date - date.fromisoformat(oldest)).days)
    return SearchResult(
        cif=source["cif"],
        name=source.get("name"),
        type=source.get("type"),
        national_id=source.get("national_id"),
        phones=_bank_then_added(source, "phones", digits),
        addresses=_bank_then_added(source, "addresses", address_key),
        bucket=source.get("bucket"),
        max_dpd=max_dpd,
        overdue_total={entry["currency"]: entry["amount"] for entry in source.get("overdue_total") or []},
        agent_ids=list(dict.fromkeys(agent for agent in agents if agent)),
        account_numbers=source.get("account_numbers") or [],
    )


def read_results(answer: dict, business_date: date | None, request: SearchRequest) -> SearchResults:
    """The page from the search's answer, with DPD as of ``business_date`` (the index's latest)."""
    return SearchResults(
        total=answer["hits"]["total"]["value"],
        page=request.page,
        page_size=request.page_size,
        results=[result_of(hit["_source"], business_date) for hit in answer["hits"]["hits"]],
    )


def msearch_body(request: SearchRequest, scope: Scope, with_latest_date: bool = True) -> bytes:
    """The search, and the latest business date when asked for, as one `_msearch` request (NDJSON)."""
    lines = [b"{}", orjson.dumps(build_query(request, scope))]
    if with_latest_date:
        lines += [b"{}", orjson.dumps(LATEST_BUSINESS_DATE)]
    return b"\n".join(lines) + b"\n"


async def search_customers(
    http: SearchClient, latest_dates: LatestDates, namespace: str, request: SearchRequest, scope: Scope
) -> SearchResults:
    """One `_msearch` on the namespace's customers alias, and a second one by address prefix when the first
    found nothing (`address_prefix_clauses`); 503 when Elasticsearch cannot answer."""
    alias = f"{namespace}{INDEX}"
    known, business_date = latest_dates.get(alias)
    answers = await _msearch(http, alias, msearch_body(request, scope, with_latest_date=not known))
    if not known:
        business_date = latest_dates.note(alias, answers[1])
    found = answers[0]
    retry = address_prefix_clauses(request.q) if request.q and not found["hits"]["total"]["value"] else None
    if retry is not None:
        body = b"{}\n" + orjson.dumps(build_query(request, scope, must=retry)) + b"\n"
        [found] = await _msearch(http, alias, body)
    return read_results(found, business_date, request)


async def _msearch(http: SearchClient, alias: str, body: bytes) -> list[dict]:
    """The answers to an `_msearch` (NDJSON) on ``alias``; 503 when Elasticsearch cannot answer."""
    where = redact_credentials(http.url.rstrip("/"))  # it goes to the caller
    try:
        response = await http.post(f"/{alias}/_msearch", body, "application/x-ndjson")
    except SearchClient.Unreachable as error:
        reason = str(error) or type(error).__name__
        message = f"Elasticsearch ({where}) is unreachable: {reason}; try again shortly"
        raise ServiceUnavailable(message) from None
    answers = response.json().get("responses", []) if response.status == 200 else []
    statuses = [answer.get("status", 200) for answer in answers] or [response.status]
    if 404 in statuses:
        raise ServiceUnavailable(f"the search index {alias} does not exist; run `crm init`")
    if any(status == 429 or status >= 500 for status in statuses):
        raise ServiceUnavailable(
            f"Elasticsearch ({where}) could not search: {max(statuses)}; try again shortly"
        )
    if response.status != 200 or any("error" in answer for answer in answers):
        # any other refusal is a bug in the query built above: a 500 with Elasticsearch's reason in the log
        raise RuntimeError(f"Elasticsearch refused the search: {response.text[:1000]}")
    return answers

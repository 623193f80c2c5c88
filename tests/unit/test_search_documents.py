"""Search documents and queries, pure: folding, prefixes, phone substrings, the partial document of each
source, the sink's batching and item checks, and the query the API builds (Elasticsearch itself is exercised
in tests/integration/test_search.py)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.queries.search import (
    ADDRESS_WORD,
    LATEST_BUSINESS_DATE,
    WORD_PREFIX,
    LatestDates,
    SearchRequest,
    address_prefix_clauses,
    build_query,
    match_clauses,
    msearch_body,
    read_results,
    result_of,
)
from api.visibility import Scope
from contracts import AgentAssignment, CrmContacts, CustomerDelinquencyRecord, CustomerRecord
from infra.search_indices import INDEX_DIR
from processors.search.documents import (
    MAX_PREFIX,
    added_contact_fields,
    assignment_fields,
    customer_fields,
    delinquency_fields,
    digits,
    fold,
    id_keys,
    latest_documents,
    looks_like_phone,
    name_prefixes,
    name_words,
    phone_substrings,
    prefix_term,
    prefixes,
    words,
)
from processors.search.sink import SearchUnavailable, bulk_body, check_items
from sinks.exceptions import SinkError

MAPPING = json.loads((INDEX_DIR / "customers.json").read_text())["mappings"]["properties"]


# ---- folding, words, prefixes, phones ----


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("Trần Thị Ánh Nguyệt", "tran thi anh nguyet"),
        ("Phạm Quỳnh Hương", "pham quynh huong"),
        ("Jürgen Müller-Straße", "jurgen muller-strasse"),
        ("François Lefèvre", "francois lefevre"),
        ("Hélène Œuvray-Garçon", "helene oeuvray-garcon"),
        ("Søren Ærø", "soren aero"),
        ("Łukasz Żółć", "lukasz zolc"),
        ("ＡＢＣ", "abc"),  # full-width letters
    ],
)
def test_folding_drops_accents_and_case(text, folded):
    assert fold(text) == folded


def test_words_split_on_punctuation_and_german_names_get_both_spellings():
    assert words("O'Brien, Mary-Jane  2nd") == ["o", "brien", "mary", "jane", "2nd"]
    # in a fixed order, so that the same record always makes the same document (a redelivery is a noop)
    assert name_words("Jürgen Müller", None, "") == ["jurgen", "muller", "juergen", "mueller"]
    assert name_words("Nguyễn Văn An", "Nguyễn Co. Ltd") == ["nguyen", "van", "an", "co", "ltd"]


def test_prefixes_start_at_two_letters_and_stop_at_the_cap():
    assert prefixes("nguyen") == ["ng", "ngu", "nguy", "nguye", "nguyen"]
    assert prefixes("a") == []
    long = "x" * 40
    assert prefixes(long)[-1] == "x" * MAX_PREFIX and prefix_term(long) == "x" * MAX_PREFIX
    assert name_prefixes(["van", "vanessa"]) == ["va", "van", "vane", "vanes", "vaness", "vanessa"]


def test_phone_digits_and_every_substring_of_four_to_fifteen_digits():
    assert digits("+84 (912) 345-678") == "84912345678"
    found = phone_substrings("84912345678")
    assert {"8491", "3456", "5678", "912345678", "84912345678"} <= set(found)
    assert all(4 <= len(part) <= 15 for part in found) and "345" not in found
    assert len(found) == len(set(found)) == sum(11 - n + 1 for n in range(4, 12))
    assert phone_substrings("123") == []
    assert max(map(len, phone_substrings("1" * 9 + "2" * 11))) == 15


def test_which_queries_look_like_phone_numbers():
    assert looks_like_phone("0912 345") and looks_like_phone("+84 (912)") and looks_like_phone("1234")
    assert (
        not looks_like_phone("123") and not looks_like_phone("C-001234") and not looks_like_phone("An 1234")
    )


def test_identifiers_match_regardless_of_case_and_separators():
    assert id_keys(" AB-12.34 ") == ["ab-12.34", "ab1234"]
    assert id_keys("079123456") == ["079123456"]


@given(st.text(max_size=60), st.integers(min_value=2, max_value=40))
def test_every_beginning_of_an_indexed_name_word_is_found_as_the_query_folds_it(name, length):
    indexed = set(name_prefixes(name_words(name)))
    for word in words(name):
        typed = word[:length]
        if len(typed) >= 2:  # the API looks a word of two letters or more up among the prefixes
            assert prefix_term(words(typed)[0]) in indexed
    assert not any(0x300 <= ord(char) <= 0x36F for char in fold(name))  # no combining marks left


@given(st.text(alphabet="0123456789", min_size=4, max_size=20), st.data())
def test_every_part_of_a_phone_number_up_to_fifteen_digits_is_indexed(number, data):
    start = data.draw(st.integers(0, len(number) - 4))
    end = data.draw(st.integers(start + 4, min(len(number), start + 15)))
    assert number[start:end] in phone_substrings(number)


# ---- documents from each source ----


def _customer(**changes) -> CustomerRecord:
    record = {
        "cif": "VN-001",
        "type": "INDIVIDUAL",
        "name": "Nguyễn Văn An",
        "national_id": "079 123 456",
        "tax_id": "TX-9",
        "segment": "RETAIL",
        "status": "ACTIVE",
        "phones": [
            {"type": "MOBILE", "number": "+84 912-345-678"},
            {"type": "HOME", "number": "(028) 3822 1234"},
        ],
        "emails": [{"type": "PERSONAL", "address": "An.Nguyen@Example.VN"}],
        "addresses": [
            {
                "type": "HOME",
                "line1": "12 Lý Thường Kiệt",
                "city": "Hà Nội",
                "province": "Hoàn Kiếm",
                "postal_code": "100000",
                "country": "VN",
            }
        ],
        "source_system": "T24",
        "updated_at": "2026-03-01T08:00:00+07:00",
    }
    return CustomerRecord.model_validate({**record, **changes})


def test_a_customer_record_gives_identity_and_contacts():
    change = customer_fields(_customer())
    fields = change.fields
    assert (change.cif, change.source) == ("VN-001", "customer")
    assert (fields["cif_key"], fields["name"], fields["name_sort"]) == (
        "vn-001",
        "Nguyễn Văn An",
        "nguyen van an",
    )
    assert fields["name_words"] == ["nguyen", "van", "an"]
    assert {"ng", "nguy", "nguyen", "va", "van", "an"} <= set(fields["name_prefixes"])
    assert fields["national_id"] == "079 123 456"
    assert set(fields["id_keys"]) == {"079 123 456", "079123456", "tx-9", "tx9"}
    assert fields["phones"] == ["+84 912-345-678", "(028) 3822 1234"]
    assert fields["phone_digits"] == ["84912345678", "02838221234"]
    assert {"912345678", "3822", "8221234"} <= set(fields["phone_substrings"])
    assert fields["emails"] == ["an.nguyen@example.vn"]
    assert fields["addresses"] == ["12 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội 100000, VN"]
    # folded words of the street and postal code; not the city, province or country many customers share
    assert fields["address_words"] == ["12", "ly", "thuong", "kiet", "100000"]
    assert set(fields) <= set(MAPPING)


def test_addresses_agents_add_are_indexed_in_their_own_fields_copied_into_the_bank_s():
    shop = {"type": "WORK", "line1": "8 Hàng Bài", "city": "Hà Nội", "country": "VN", "note": "the shop"}
    record = CrmContacts.model_validate(
        {
            "cif": "VN-001",
            "version": 2,
            "updated_at": "2026-03-11T09:00:00+00:00",
            "updated_by": "agent1",
            "addresses": [shop],
        }
    )
    fields = added_contact_fields(record).fields
    assert fields["added_addresses"] == ["8 Hàng Bài, Hà Nội, VN"]
    assert fields["added_address_words"] == ["8", "hang", "bai"]
    assert MAPPING["added_address_words"]["copy_to"] == "address_words"
    # a list without addresses clears the ones indexed before
    emptied = added_contact_fields(record.model_copy(update={"addresses": []})).fields
    assert emptied["added_addresses"] == emptied["added_address_words"] == []


def test_an_organisation_is_shown_by_its_company_name_and_registration_number():
    fields = customer_fields(
        _customer(
            type="ORGANIZATION", company_name="Công ty Hòa Bình", national_id=None, registration_number="R1"
        )
    ).fields
    assert (fields["name"], fields["national_id"], fields["type"]) == (
        "Công ty Hòa Bình",
        "R1",
        "ORGANIZATION",
    )
    assert {"cong", "hoa", "binh", "nguyen"} <= set(fields["name_words"])  # the contact's name too


def test_a_newer_customer_record_clears_what_it_no_longer_has():
    fields = customer_fields(
        _customer(phones=[], emails=[], addresses=[], national_id=None, tax_id=None)
    ).fields
    assert fields["phones"] == fields["phone_digits"] == fields["phone_substrings"] == fields["emails"] == []
    assert fields["addresses"] == fields["address_words"] == []
    assert fields["id_keys"] == [] and fields["national_id"] is None  # written as empty, not left out


def _delinquency(**changes) -> CustomerDelinquencyRecord:
    account = {
        "account_number": "LN-77",
        "product_type": "PERSONAL_LOAN",
        "currency": "VND",
        "dpd": 35,
        "bucket": "30-59",
        "overdue_amount": "1250000.50",
        "outstanding": "9000000",
        "oldest_unpaid_due": "2026-01-26",
    }
    record = {
        "cif": "VN-001",
        "business_date": "2026-03-02",
        "max_dpd": 35,
        "bucket": "30-59",
        "overdue_total": {"VND": "1250000.50", "USD": "10"},
        "outstanding_total": {"VND": "9000000"},
        "oldest_unpaid_due": "2026-01-26",
        "loans": 2,
        "loans_delinquent": 1,
        "revision": 4,
        "accounts": [account, {**account, "account_number": "CC-9", "dpd": 0, "oldest_unpaid_due": None}],
    }
    return CustomerDelinquencyRecord.model_validate({**record, **changes})


def test_a_delinquency_record_gives_bucket_dpd_overdue_and_accounts():
    change = delinquency_fields(_delinquency())
    assert change.source == "delinquency"
    assert change.fields == {
        "cif": "VN-001",
        "cif_key": "vn-001",
        "bucket": "30-59",
        "max_dpd": 35,
        "oldest_unpaid_due": "2026-01-26",
        "business_date": "2026-03-02",
        "overdue_total": [{"currency": "USD", "amount": "10"}, {"currency": "VND", "amount": "1250000.50"}],
        "account_numbers": ["LN-77", "CC-9"],
        "account_keys": ["ln-77", "cc-9"],
    }
    assert set(change.fields) <= set(MAPPING)


def _assignment(agent_type: str, agent_id: str | None, team: str | None = "T1") -> AgentAssignment:
    return AgentAssignment(
        cif="VN-001",
        agent_type=agent_type,
        agent_id=agent_id,
        team=team,
        campaign_id=None,
        reason="least loaded fitting agent",
        business_date=date(2026, 3, 2),
    )


def test_each_agent_type_writes_fields_of_its_own_that_the_mapping_copies_into_agent_ids_and_teams():
    call, field = assignment_fields(_assignment("CALL", "A1")), assignment_fields(_assignment("FIELD", None))
    assert (call.source, call.fields["call_agent_id"], call.fields["call_team"]) == ("agent:CALL", "A1", "T1")
    assert field.source == "agent:FIELD" and field.fields["field_agent_id"] is None
    for prefix, target in (("call", "agent_ids"), ("field", "agent_ids")):
        assert MAPPING[f"{prefix}_agent_id"]["copy_to"] == target
        assert MAPPING[f"{prefix}_team"]["copy_to"] == "teams"


def test_the_last_change_per_customer_and_source_wins_and_sources_do_not_overwrite_each_other():
    changes = [
        assignment_fields(_assignment("CALL", "A1")),
        customer_fields(_customer()),
        assignment_fields(_assignment("FIELD", "F1", "T2")),
        assignment_fields(_assignment("CALL", "A2")),
        delinquency_fields(_delinquency(cif="OTHER")),
    ]
    merged = latest_documents(changes)
    assert list(merged) == ["VN-001", "OTHER"]
    document = merged["VN-001"]
    assert (document["call_agent_id"], document["field_agent_id"], document["field_team"]) == (
        "A2",
        "F1",
        "T2",
    )
    assert document["name"] == "Nguyễn Văn An" and "bucket" not in document
    assert latest_documents([]) == {}


# ---- the sink's request and its answer ----


def test_the_bulk_body_upserts_partial_documents_into_the_alias():
    lines = bulk_body("t1.customers", {"C1": {"cif": "C1", "bucket": "1-29"}}).splitlines()
    assert [json.loads(line) for line in lines] == [
        {"update": {"_index": "t1.customers", "_id": "C1", "retry_on_conflict": 3}},
        {"doc": {"cif": "C1", "bucket": "1-29"}, "doc_as_upsert": True},
    ]


def _answer(*statuses: int) -> dict:
    items = []
    for n, status in enumerate(statuses):
        item = {"_id": f"C{n}", "status": status}
        if status >= 300:
            item["error"] = {"type": "some_exception", "reason": f"status {status}"}
        items.append({"update": item})
    return {"errors": any(s >= 300 for s in statuses), "items": items}


def test_item_errors_that_may_pass_are_retried_and_others_are_sink_errors():
    check_items(_answer(200, 201))
    with pytest.raises(SearchUnavailable, match="1 of 2 documents refused"):
        check_items(_answer(200, 429))
    with pytest.raises(SinkError, match="cif C1: some_exception: status 400"):
        check_items(_answer(503, 400, 200))


# ---- the query ----


def _lookups(node) -> list[tuple[str, object]]:
    """Every (field, value) that a term or terms query looks up, anywhere in the query."""
    found = []
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "term":
                found += list(value.items())
            elif name == "terms":
                found += [(field, v) for field, values in value.items() for v in values]
            else:
                found += _lookups(value)
    elif isinstance(node, list):
        for value in node:
            found += _lookups(value)
    return found


def _name_clause(clauses: list[dict]) -> list[dict]:
    [name] = [c["bool"]["must"] for c in clauses if "bool" in c and "name_words" in json.dumps(c)]
    return name


def test_a_name_query_needs_every_word_whole_or_as_a_prefix():
    clauses = match_clauses("Nguy VĂN")
    name = _name_clause(clauses)
    assert len(name) == 2
    # the prefix is required (5); the whole word adds 5 more: 10 for "nguy" as a word, 5 as a prefix
    assert name[0]["bool"] == {
        "must": [{"constant_score": {"filter": {"term": {"name_prefixes": "nguy"}}, "boost": 5}}],
        "should": [{"constant_score": {"filter": {"term": {"name_words": "nguy"}}, "boost": 5}}],
    }
    assert ("name_prefixes", "van") in _lookups(name[1])
    # one letter is no prefix (it would match half the portfolio): the whole word only
    assert _name_clause(match_clauses("X Van"))[0] == {
        "constant_score": {"filter": {"term": {"name_words": "x"}}, "boost": 10}
    }
    # not phone-like, no "@": no phone or email clause
    assert not any(field in json.dumps(clauses) for field in ("phone", "emails"))


def test_an_address_query_needs_every_word_whole_in_the_customer_s_addresses_and_ranks_below_a_name():
    clauses = match_clauses("12 Lý Thường Kiệt")
    [address] = [c["bool"]["must"] for c in clauses if "bool" in c and "address_words" in json.dumps(c)]
    assert address == [
        {"constant_score": {"filter": {"term": {"address_words": word}}, "boost": 3}}
        for word in ("12", "ly", "thuong", "kiet")
    ]
    # the same words in a name score more, even as prefixes: "Tran Hung Dao" the customer comes before
    # the customers living on Tran Hung Dao street
    assert len(_name_clause(clauses)) == 4 and ADDRESS_WORD < WORD_PREFIX


def test_a_search_that_found_nothing_is_retried_with_its_last_word_as_the_beginning_of_an_address_word():
    scored = lambda query: {"constant_score": {"filter": query, "boost": ADDRESS_WORD}}  # noqa: E731
    assert address_prefix_clauses("27 Phố Hu") == [
        scored({"term": {"address_words": "27"}}),
        scored({"term": {"address_words": "pho"}}),
        scored({"prefix": {"address_words": "hu"}}),
    ]
    assert address_prefix_clauses("Phố H") is None  # one letter would match half the streets
    assert address_prefix_clauses("C000123") is None  # one word: an id, a number, a name; no street
    assert address_prefix_clauses("an.nguyen@example.vn") is None  # an email is not an address
    assert address_prefix_clauses("0912 345 678") is None  # nor a phone number
    assert address_prefix_clauses(" -, ") is None
    # in place of the usual clauses, within the same filters
    body = build_query(SearchRequest(q="pho hu", bucket="1-29"), Scope(agent_id="A1"), must=["x"])
    assert body["query"] == {
        "bool": {"filter": [{"term": {"agent_ids": "A1"}}, {"term": {"bucket": "1-29"}}], "must": ["x"]}
    }


def test_identifiers_rank_above_emails_above_phones_above_names():
    clauses = match_clauses("  AB-12 ")
    scored = [c["constant_score"] for c in clauses if "constant_score" in c]
    assert [(_lookups(c["filter"]), c["boost"]) for c in scored] == [
        ([("cif_key", "ab-12")], 100),
        ([("account_keys", "ab-12")], 100),
        ([("id_keys", "ab-12"), ("id_keys", "ab12")], 100),
    ]
    email = match_clauses("An.Nguyen@Example.VN")
    assert {"constant_score": {"filter": {"term": {"emails": "an.nguyen@example.vn"}}, "boost": 80}} in email
    assert ("name_words", "an") in _lookups(email)  # and the words, in case it is a name after all


def test_a_phone_query_is_looked_up_by_its_digits_with_and_without_the_trunk_zero():
    clauses = match_clauses("0912 345-678")
    assert {"constant_score": {"filter": {"term": {"phone_digits": "0912345678"}}, "boost": 60}} in clauses
    part = {"terms": {"phone_substrings": ["0912345678", "912345678"]}}
    assert {"constant_score": {"filter": part, "boost": 30}} in clauses


def test_a_number_written_with_its_plus_is_looked_up_as_a_phone_only():
    """Its digit groups matched house numbers and name words: "+84" found everyone living at number 84."""
    clauses = match_clauses("+84 28 333")
    assert {"constant_score": {"filter": {"term": {"phone_digits": "8428333"}}, "boost": 60}} in clauses
    words_fields = {"name_words", "address_words", "name_prefixes"}
    assert not {field for field, _value in _lookups(clauses)} & words_fields
    assert not {field for field, _value in _lookups(match_clauses("+84"))} & words_fields
    assert ("address_words", "84") in _lookups(match_clauses("84 Lê Lợi"))  # without the plus, still words


def test_user_text_only_ever_becomes_values_of_term_lookups():
    nasty = '*:* OR name:"x" {"match_all": {}}'
    query = build_query(SearchRequest(q=nasty), Scope())["query"]

    def names(node) -> set[str]:
        if isinstance(node, dict):
            return set(node).union(*(names(v) for n, v in node.items() if n not in ("term", "terms")))
        return set().union(*(names(v) for v in node)) if isinstance(node, list) else set()

    grammar = {
        "bool",
        "filter",
        "should",
        "must",
        "minimum_should_match",
        "constant_score",
        "boost",
    }
    assert names(query) <= grammar | {"term", "terms"}  # only field names come from the mapping
    folded = {nasty.strip().casefold(), *id_keys(nasty), *words(nasty)}
    assert {value for _field, value in _lookups(query)} <= folded


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (Scope(), []),
        (Scope(agent_id="A1"), [{"term": {"agent_ids": "A1"}}]),
        (Scope(team="T1"), [{"term": {"teams": "T1"}}]),
    ],
)
def test_the_callers_scope_is_a_filter(scope, expected):
    query = build_query(SearchRequest(q="an", bucket="30-59", agent="A9", page=3, page_size=10), scope)
    assert query["query"]["bool"]["filter"] == [
        *expected,
        {"term": {"bucket": "30-59"}},
        {"term": {"agent_ids": "A9"}},
    ]
    assert query["query"]["bool"]["minimum_should_match"] == 1
    assert (query["from"], query["size"], query["track_total_hits"]) == (20, 10, True)
    assert query["sort"][0] == "_score"


def test_without_q_everyone_visible_is_listed_in_name_order():
    query = build_query(SearchRequest(), Scope(agent_id="A1"))
    assert query["query"] == {"bool": {"filter": [{"term": {"agent_ids": "A1"}}]}}
    assert query["sort"][1] == {"name_sort": {"order": "asc", "missing": "_last"}}


def test_every_field_the_query_reads_is_in_the_mapping():
    query = build_query(SearchRequest(q="0912 345", bucket="1-29", agent="A"), Scope(team="T"))
    fields = {field for field, _value in _lookups(query["query"])}
    assert {"cif_key", "account_keys", "id_keys", "phone_digits", "phone_substrings", "name_words"} <= fields
    assert "address_words" in fields
    assert fields | {"name_sort", "cif", "business_date"} <= set(MAPPING)
    assert set(query["_source"]) <= set(MAPPING)


# ---- results ----


def test_a_result_shows_todays_dpd_and_both_agents():
    source = {
        "cif": "C1",
        "name": "An",
        "type": "INDIVIDUAL",
        "phones": ["+84 1"],
        "bucket": "30-59",
        "max_dpd": 35,
        "oldest_unpaid_due": "2026-01-26",
        "overdue_total": [{"currency": "VND", "amount": "1250000.50"}],
        "call_agent_id": "A1",
        "field_agent_id": "A1",
        "account_numbers": ["LN-77"],
    }
    result = result_of(source, date(2026, 3, 5))
    assert (result.max_dpd, result.agent_ids, result.overdue_total) == (
        38,
        ["A1"],
        {"VND": Decimal("1250000.50")},
    )
    assert result.model_dump(mode="json")["overdue_total"] == {"VND": "1250000.50"}
    assert result_of({"cif": "C2", "max_dpd": 0}, date(2026, 3, 5)).max_dpd == 0
    bare = result_of({"cif": "C3"}, None)
    assert (bare.name, bare.bucket, bare.max_dpd, bare.agent_ids, bare.phones) == (None, None, None, [], [])
    assert bare.addresses == []


def test_a_result_lists_the_bank_s_addresses_then_those_agents_added_that_the_bank_does_not_have():
    source = {
        "cif": "C1",
        "addresses": ["12 Lý Thường Kiệt, Hà Nội, VN"],
        "added_addresses": ["12 LY THUONG KIET, Ha Noi, VN", "8 Hàng Bài, Hà Nội, VN"],
    }
    assert result_of(source, None).addresses == ["12 Lý Thường Kiệt, Hà Nội, VN", "8 Hàng Bài, Hà Nội, VN"]


def test_an_answer_becomes_a_page_of_results_with_dpd_as_of_the_latest_business_date():
    answer = {
        "hits": {
            "total": {"value": 41},
            "hits": [{"_source": {"cif": "C1", "max_dpd": 5, "oldest_unpaid_due": "2026-03-01"}}],
        }
    }
    page = read_results(answer, date(2026, 3, 10), SearchRequest(page=3, page_size=20))
    assert (page.total, page.page, page.page_size, page.results[0].max_dpd) == (41, 3, 20, 9)
    assert read_results(answer, None, SearchRequest()).results[0].max_dpd == 5  # no date seen yet
    empty = read_results({"hits": {"total": {"value": 0}, "hits": []}}, None, SearchRequest())
    assert (empty.total, empty.results) == (0, [])


def test_one_request_carries_the_search_and_the_latest_business_date_when_asked_for():
    lines = msearch_body(SearchRequest(q="an"), Scope()).splitlines()
    assert [orjson.loads(line) for line in lines[::2]] == [{}, {}]
    assert orjson.loads(lines[1]) == build_query(SearchRequest(q="an"), Scope())
    assert orjson.loads(lines[3]) == LATEST_BUSINESS_DATE and lines[3] != lines[1]
    alone = msearch_body(SearchRequest(q="an"), Scope(), with_latest_date=False)
    assert alone.splitlines() == lines[:2] and alone.endswith(b"\n")  # NDJSON ends with a newline


def _latest_answer(day: str | None) -> dict:
    return {"hits": {"hits": [{"_id": "C7", "fields": {"business_date": [day]}}] if day else []}}


def test_the_latest_business_date_is_reused_for_a_second_per_index():
    now = [100.0]
    dates = LatestDates(ttl_s=1.0, clock=lambda: now[0])
    assert dates.get("a.customers") == (False, None)  # never asked
    assert dates.note("a.customers", _latest_answer("2026-03-10")) == date(2026, 3, 10)
    now[0] = 100.9
    assert dates.get("a.customers") == (True, date(2026, 3, 10))
    assert dates.get("b.customers") == (False, None)  # another namespace's index is asked for itself
    now[0] = 101.0
    assert dates.get("a.customers") == (False, None)  # a second old: asked again
    assert dates.note("a.customers", _latest_answer(None)) is None  # an empty index: no date, kept too
    assert dates.get("a.customers") == (True, None)

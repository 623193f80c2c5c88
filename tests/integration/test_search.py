"""Customer search end to end: records on the search processor's input topics, `crm run search` writing
the `customers` index, `GET /api/search` reading it; and the Elasticsearch sink on its own."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from elasticsearch import Elasticsearch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quixstreams.sinks import SinkBackpressureError
from quixstreams.sinks.base.batch import SinkBatch

from api import fast_paths
from api.queries.search import SearchRequest, build_query
from api.routes import search as search_route
from api.routes.search import plain_search
from api.search_client import SearchClient
from api.visibility import Scope
from contracts import AgentAssignment, CrmContacts, CustomerDelinquencyRecord, CustomerRecord
from contracts.admin import Role
from domain.buckets import DEFAULT_BUCKETS
from processors.common.app import consumer_group
from processors.registry import INPUTS as PROCESSOR_INPUTS
from processors.search.documents import DocumentChange
from processors.search.sink import SearchSink
from sinks.exceptions import SinkError
from tests.api_client import SECRET, api_client, token
from tests.integration.test_strategy_processor import contacts_added
from tests.services import initialized_namespace
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
INPUTS = PROCESSOR_INPUTS["search"]
ADMIN = token(Role.ADMIN)
PAGED = 25  # customers of agent P1, for paging


def customer(cif: str, name: str, **fields) -> dict:
    return {
        "cif": cif,
        "type": "INDIVIDUAL",
        "name": name,
        "segment": "RETAIL",
        "status": "ACTIVE",
        "source_system": "T24",
        "updated_at": "2026-03-01T08:00:00+07:00",
        **fields,
    }


def phone(number: str) -> dict:
    return {"type": "MOBILE", "number": number, "is_primary": True}


def delinquency(cif: str, bucket: str, dpd: int, accounts: list[str], day: str = "2026-03-02") -> dict:
    oldest = {"1-29": "2026-02-20", "30-59": "2026-01-26", "90-119": "2025-11-30"}.get(bucket)
    return {
        "cif": cif,
        "business_date": day,
        "max_dpd": dpd,
        "bucket": bucket,
        "overdue_total": {"VND": "1250000.50"} if dpd else {},
        "outstanding_total": {"VND": "90000000"},
        "oldest_unpaid_due": oldest,
        "loans": len(accounts),
        "loans_delinquent": 1 if dpd else 0,
        "revision": 1,
        "accounts": [
            {
                "account_number": account,
                "product_type": "PERSONAL_LOAN",
                "currency": "VND",
                "dpd": dpd,
                "bucket": bucket,
                "overdue_amount": "1250000.50" if dpd else "0",
                "outstanding": "90000000",
                "oldest_unpaid_due": oldest,
            }
            for account in accounts
        ],
    }


def assignment(cif: str, agent: str | None, team: str | None, agent_type: str = "CALL") -> dict:
    return {
        "cif": cif,
        "agent_type": agent_type,
        "agent_id": agent,
        "team": team,
        "campaign_id": "EARLY",
        "reason": "least loaded fitting agent",
        "business_date": "2026-03-02",
    }


class Feed:
    """Produces contract-checked records to the namespace's topics and waits until the index shows them."""

    CONTRACTS = {
        "bank.customers": CustomerRecord,
        "crm.contacts": CrmContacts,
        "delinquency.customers": CustomerDelinquencyRecord,
        "assignments": AgentAssignment,
    }

    def __init__(self, settings) -> None:
        self.settings = settings
        self.producer = make_producer(settings, **{"linger.ms": 0})
        self.es = Elasticsearch(settings.elasticsearch_url)
        self.alias = f"{settings.namespace}customers"

    def send(self, topic: str, record: dict) -> None:
        self.CONTRACTS[topic].model_validate(record)  # the test's own records must be valid
        self.raw(topic, record["cif"], orjson.dumps(record))

    def raw(self, topic: str, key: str, value: bytes) -> None:
        self.producer.produce(physical_name(topic, self.settings), value, key.encode())

    def indexed(self) -> None:
        assert self.producer.flush(30) == 0
        topics = [physical_name(t, self.settings) for t in INPUTS]
        wait_caught_up(self.settings.kafka_brokers, consumer_group(self.settings, "search"), topics, 60)
        self.es.indices.refresh(index=self.alias)

    def stored(self, cif: str) -> dict:
        return self.es.get(index=self.alias, id=cif).body


def portfolio(feed: Feed) -> None:
    feed.send(
        "bank.customers",
        customer(
            "SC-001",
            "Nguyễn Văn An",
            national_id="079123456",
            phones=[phone("+84 912 345 678")],
            emails=[{"type": "PERSONAL", "address": "An.Nguyen@Example.vn"}],
        ),
    )
    feed.send("bank.customers", customer("SC-002", "Nguyễn Thị Bình", phones=[phone("0987 654 321")]))
    feed.send(
        "bank.customers",
        customer(
            "SC-003",
            "Jürgen Müller",
            type="ORGANIZATION",
            company_name="Müller Bau GmbH",
            registration_number="HRB-1234",
        ),
    )
    feed.send("bank.customers", customer("SC-004", "François Lefèvre", national_id="0987654321"))
    feed.raw("bank.customers", "SC-BAD", b"not json")  # skipped: the entities processor dead-letters it
    feed.raw("delinquency.customers", "SC-BAD", b'{"cif": "SC-BAD"}')  # a bug upstream: logged, skipped
    feed.send("delinquency.customers", delinquency("SC-001", "30-59", 35, ["LN-001"]))
    feed.send("delinquency.customers", delinquency("SC-002", "1-29", 10, ["LN-002", "CC-002"]))
    feed.send("delinquency.customers", delinquency("SC-003", "90-119", 92, ["LN-003"]))
    feed.send("delinquency.customers", delinquency("SC-004", "CURRENT", 0, ["LN-004"], day="2026-03-04"))
    feed.send("assignments", assignment("SC-001", "A1", "T1"))
    feed.send("assignments", assignment("SC-002", "A2", "T1"))
    feed.send("assignments", assignment("SC-002", "F1", "TF", "FIELD"))
    feed.send("assignments", assignment("SC-003", "B1", "T2"))
    for n in range(1, PAGED + 1):
        cif = f"SP-{n:03d}"
        feed.send("bank.customers", customer(cif, f"Page Person {n:02d}"))
        feed.send("assignments", assignment(cif, "P1", "T3"))


@pytest.fixture(scope="module")
def world(service_addresses, run_id, cli_env, tmp_path_factory):
    with initialized_namespace(service_addresses, f"s{run_id}", cli_env) as (settings, env):
        log = tmp_path_factory.mktemp("search") / "processor.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "search"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            feed = Feed(settings)
            portfolio(feed)
            feed.indexed()
            yield settings.model_copy(update={"jwt_secret": SECRET}), feed
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        assert process.returncode == 0, log.read_text()[-3000:]


@pytest.fixture
async def client(world) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(world[0]) as http:
        yield http


async def found(client: httpx.AsyncClient, headers: dict = ADMIN, **params) -> list[str]:
    response = await client.get("/api/search", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [result["cif"] for result in response.json()["results"]]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nguy van", ["SC-001"]),  # every word, as a prefix, without accents
        ("NGUYỄN", ["SC-002", "SC-001"]),  # both, in name order (Bình before Văn)
        ("nguyen thi", ["SC-002"]),
        ("Müller", ["SC-003"]),
        ("mueller bau", ["SC-003"]),  # the spelled-out umlaut
        ("jurg", ["SC-003"]),  # the contact person's name of an organisation
        ("francois lef", ["SC-004"]),
        ("345 678", ["SC-001"]),  # part of a phone number
        ("(912) 345-678", ["SC-001"]),
        ("0912345678", ["SC-001"]),  # with the national trunk zero
        ("654321", ["SC-002"]),
        ("079123456", ["SC-001"]),  # national id
        ("hrb1234", ["SC-003"]),  # registration number, any case, without the hyphen
        ("sc-003", ["SC-003"]),  # cif
        ("ln-002", ["SC-002"]),  # account number
        ("CC-002", ["SC-002"]),
        ("an.nguyen@example.VN", ["SC-001"]),  # email
        ("0987654321", ["SC-004", "SC-002"]),  # a national id ranks above a phone number
        ("nobody", []),
        # a name with a number: both must match the same customer
        ("nguyen 0912 345 678", ["SC-001"]),  # the name and the whole phone number
        ("Nguyễn 654321", ["SC-002"]),  # and part of one: the other Nguyễn has no such number
        ("nguyen 0987654321", ["SC-002"]),  # SC-004 holds that number as its national id: not a Nguyễn
        ("francois 0987654321", ["SC-004"]),  # the name and the national id
        ("nguyen van 079123456", ["SC-001"]),
        ("binh 079123456", []),  # one customer's name, another's national id
        # a name with an identifier that holds letters: an account number, a registration number, a cif
        ("nguyen LN-002", ["SC-002"]),  # the other Nguyễn's account is LN-001
        ("nguyen van ln-002", []),  # SC-001's name, SC-002's account
        ("mueller HRB1234", ["SC-003"]),
        ("binh cc-002 0987 654 321", ["SC-002"]),  # every part typed must be the same customer's
        ("binh cc-002 0912 345 678", []),  # the phone is SC-001's
        ("nguyen sc-002", ["SC-002"]),
    ],
)
async def test_finds_customers_by_any_identifier_name_or_phone(client, q, expected):
    assert await found(client, q=q) == expected


@pytest.mark.parametrize(
    ("q", "score"),
    [
        ("nguyen van an", 30),  # three whole words: 10 each
        ("nguy va an", 20),  # two prefixes (5 each) and a whole word
        ("an", 10),
        ("a", 0),  # one letter matches whole words only (SC-001 has none)
    ],
)
def test_a_name_scores_10_per_whole_word_and_5_per_prefix(world, q, score):
    """Through Elasticsearch itself: a prefix is required and a whole word adds 5 more, as documented."""
    settings, feed = world
    body = build_query(SearchRequest(q=q), Scope())
    hits = feed.es.search(index=feed.alias, body=body)["hits"]["hits"]
    scores = {hit["_id"]: hit["_score"] for hit in hits}
    assert scores.get("SC-001", 0) == score, scores


@pytest.mark.anyio
async def test_a_result_carries_what_the_list_shows(client):
    response = await client.get("/api/search", params={"q": "SC-001"}, headers=ADMIN)
    body = response.json()
    assert (body["total"], body["page"], body["page_size"]) == (1, 1, 20)
    assert body["results"] == [
        {
            "cif": "SC-001",
            "name": "Nguyễn Văn An",
            "type": "INDIVIDUAL",
            "national_id": "079123456",
            "phones": ["+84 912 345 678"],
            "addresses": [],
            "bucket": "30-59",
            "max_dpd": 37,  # 35 on 2026-03-02; the index has seen 2026-03-04 since
            "overdue_total": {"VND": "1250000.50"},
            "agent_ids": ["A1"],
            "account_numbers": ["LN-001"],
        }
    ]


@pytest.mark.anyio
async def test_the_latest_business_date_is_asked_once_a_second_not_with_every_search(client, monkeypatch):
    queries_per_request = []
    post = SearchClient.post

    async def noting(self, path, body, content_type):
        queries_per_request.append(body.count(b"\n") // 2)  # NDJSON: a header line and a body per query
        return await post(self, path, body, content_type)

    monkeypatch.setattr(SearchClient, "post", noting)
    first = await client.get("/api/search", params={"q": "SC-001"}, headers=ADMIN)
    again = await client.get("/api/search", params={"q": "SC-001"}, headers=ADMIN)
    assert first.json()["results"][0]["max_dpd"] == 37  # as of the index's latest date, 2026-03-04
    assert again.content == first.content
    assert queries_per_request == [2, 1]
    # a search of two words or more that finds nothing is asked once more, by address prefix; one that finds
    # someone is not, nor one word (requests counted, not queries: the latest date may join either)
    asked = len(queries_per_request)
    assert await found(client, q="zzqx qy") == [] and len(queries_per_request) == asked + 2
    assert await found(client, q="nguyen") != [] and len(queries_per_request) == asked + 3
    assert await found(client, q="zzqx") == [] and len(queries_per_request) == asked + 4


@pytest.mark.anyio
async def test_bucket_and_agent_filters(client):
    assert await found(client, q="nguyen", bucket="30-59") == ["SC-001"]
    assert await found(client, q="nguyen", agent="F1") == ["SC-002"]  # the field agent
    assert await found(client, bucket="90-119") == ["SC-003"]
    assert await found(client, q="nguyen", bucket="CURRENT") == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (token(Role.AGENT, "A1"), ["SC-001"]),
        (token(Role.AGENT, "F1"), ["SC-002"]),
        (token(Role.AGENT, "B1"), []),
        (token(Role.AGENT), []),  # an agent login without an agent id sees nobody
        (token(Role.SUPERVISOR, team="T1"), ["SC-002", "SC-001"]),
        (token(Role.SUPERVISOR, team="TF"), ["SC-002"]),
        (token(Role.SUPERVISOR), ["SC-002", "SC-001"]),
        (token(Role.INTEGRATION), ["SC-002", "SC-001"]),
    ],
)
async def test_callers_find_only_the_customers_they_may_see(client, headers, expected):
    assert await found(client, headers, q="nguyen") == expected
    if expected == []:
        assert await found(client, headers, q="SC-001") == []


@pytest.mark.anyio
async def test_paging_through_every_match_in_a_stable_order(client):
    pages = []
    for page in (1, 2, 3):
        response = await client.get(
            "/api/search", params={"q": "page pers", "page": page, "page_size": 10}, headers=ADMIN
        )
        body = response.json()
        assert body["total"] == PAGED and body["page"] == page
        pages.append([r["cif"] for r in body["results"]])
    assert [len(p) for p in pages] == [10, 10, 5]
    assert sum(pages, []) == [f"SP-{n:03d}" for n in range(1, PAGED + 1)]
    agent = token(Role.AGENT, "P1")
    assert await found(client, agent, page=2, page_size=20) == [f"SP-{n:03d}" for n in range(21, PAGED + 1)]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "query.q"),
        ({"q": "   "}, "query.q"),
        ({"q": "x" * 101}, "query.q"),
        ({"bucket": "31-60"}, "query.bucket"),
        ({"agent": "A 1"}, "query.agent"),
        ({"page": 0}, "query.page"),
        ({"page_size": 101}, "query.page_size"),
        ({"page": 501, "page_size": 20}, "query.page"),  # beyond the first 10,000 matches
    ],
)
async def test_bad_parameters_are_422(client, params, field):
    response = await client.get("/api/search", params=params, headers=ADMIN)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == [field]


@pytest.mark.anyio
async def test_without_a_token_401(client):
    response = await client.get("/api/search", params={"q": "nguyen"})
    assert response.status_code == 401


@pytest.mark.anyio
async def test_elasticsearch_unreachable_or_uninitialised_is_503(world, searches):
    settings = world[0]
    async with api_client(settings.model_copy(update={"elasticsearch_url": "http://127.0.0.1:1"})) as http:
        response = await http.get("/api/search", params={"q": "x"}, headers=ADMIN)
    assert response.status_code == 503
    assert response.json()["detail"].startswith("Elasticsearch (http://127.0.0.1:1) is unreachable")
    # the fast path words the 503 itself: the route would have asked Elasticsearch a second time
    assert searches == {"fast": 1, "asked": 1}
    async with api_client(settings.model_copy(update={"namespace": "nowhere-search."})) as http:
        response = await http.get("/api/search", params={"q": "x"}, headers=ADMIN)
    assert response.status_code == 503 and "run `crm init`" in response.json()["detail"]


@pytest.fixture
def searches(monkeypatch) -> dict[str, int]:
    """How many searches the fast path (api.fast_paths) took, and how many Elasticsearch was asked."""
    counts = {"fast": 0, "asked": 0}
    take, ask = fast_paths.search_json, search_route.search_customers

    async def taken(*args):
        counts["fast"] += 1
        return await take(*args)

    async def asked(*args):
        counts["asked"] += 1
        return await ask(*args)

    monkeypatch.setattr(fast_paths, "search_json", taken)
    monkeypatch.setattr(search_route, "search_customers", asked)
    return counts


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers",
    [ADMIN, token(Role.AGENT, "P1"), token(Role.SUPERVISOR, team="T1"), token(Role.INTEGRATION)],
)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "nguyen"},
        {"q": "page pers", "page": "2", "page_size": "10"},
        {"bucket": "30-59", "agent": "A1"},
    ],
)
async def test_the_fast_path_answers_byte_for_byte_as_the_route(client, searches, headers, params):
    fast = await client.get("/api/search", params=params, headers=headers)
    # a parameter the route ignores and the fast path does not take: the route answers
    routed = await client.get("/api/search", params={**params, "via": "route"}, headers=headers)
    assert searches == {"fast": 1, "asked": 2}
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert fast.headers["x-request-id"]  # the middleware around it still applies


def _numbers(low: int, high: int, edges: list[int]) -> st.SearchStrategy[str]:
    odd = ["", "01", " 1", "+1", "1.0", "1_0", "٣", "-1", "99999999999999999999"]
    near_edges = [str(n + step) for n in edges for step in (-1, 0, 1)]
    return st.one_of(st.integers(low, high).map(str), st.sampled_from(near_edges + odd))


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_AGENT_IDS = st.from_regex(r"[A-Za-z0-9._:/-]{1,66}", fullmatch=True)  # 64 at most
# mostly values the route takes, so that one odd value is often the only one
SEARCH_PARAMETERS = st.fixed_dictionaries(
    {},
    optional={
        "q": st.one_of(_TEXT, st.sampled_from(["nguyen", "  ", "SC-001", "x" * 100, "x" * 101])),
        "bucket": st.one_of(
            st.sampled_from(DEFAULT_BUCKETS.labels), st.sampled_from(["31-60", "current", "", "180"]), _TEXT
        ),
        "agent": st.one_of(_AGENT_IDS, _AGENT_IDS, st.sampled_from(["A 1", "A1\n", "", "é"]), _TEXT),
        "page": _numbers(-1, 520, [1, 100, 500, 10_000]),  # page * page_size <= 10,000
        "page_size": _numbers(-1, 120, [1, 20, 100]),
    },
)


@pytest.mark.anyio
# the app's pools draw jitter from `random` in their own threads (psycopg_pool's connection expiry, aiohttp's
# waiters) while examples are drawn; the examples do not depend on it
@pytest.mark.filterwarnings("ignore:Do not use the `random` module:FutureWarning")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=SEARCH_PARAMETERS)
async def test_the_fast_path_never_takes_what_the_route_refuses(client, searches, params):
    await _fast_path_agrees_with_the_route(client, searches, params)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "params",
    [
        {"page": "500", "page_size": "20"},
        {"page": "501"},
        {"page": "10000", "page_size": "1"},
        {"page": "0"},
        {"page_size": "100"},
        {"page_size": "101"},
        {"page_size": "0"},
        {"page": "+1"},
        {"agent": "x" * 64},
        {"agent": "x" * 65},
        {"agent": "A1\n"},
        {"q": "x" * 100},
        {"q": "x" * 101},
        {"q": " "},
        {"q": ""},
        {"q": "a\x00"},
        {"agent": "A1\x00"},
        {"bucket": "180+"},
        {"bucket": "current"},
    ],
)
async def test_at_the_edges_the_fast_path_takes_exactly_what_the_route_takes(client, searches, params):
    await _fast_path_agrees_with_the_route(client, searches, params)


async def _fast_path_agrees_with_the_route(client: httpx.AsyncClient, searches: dict, params: dict) -> None:
    before = searches["fast"]
    fast = await client.get("/api/search", params=params, headers=ADMIN)
    routed = await client.get("/api/search", params={**params, "via": "route"}, headers=ADMIN)
    assert (fast.status_code, fast.content) == (routed.status_code, routed.content)
    taken = searches["fast"] > before
    assert taken == (plain_search(params) is not None)
    if taken:
        assert routed.status_code == 200
    elif routed.status_code == 200:  # only numbers the route reads leniently (" 1", "+1") go to it
        assert not all(params.get(name, "1").isdigit() for name in ("page", "page_size"))


@pytest.mark.anyio
async def test_changes_replace_what_they_change(client, world):
    _settings, feed = world
    feed.send("bank.customers", customer("SC-MOVE", "Hoàng Minh", phones=[phone("0911 222 333")]))
    feed.send("assignments", assignment("SC-MOVE", "M1", "T1"))
    feed.send("assignments", assignment("SC-MOVE", "MF", "TF", "FIELD"))
    feed.indexed()
    assert await found(client, token(Role.AGENT, "M1"), q="hoang") == ["SC-MOVE"]
    feed.send("assignments", assignment("SC-MOVE", "M2", "T2"))  # the call agent changes, the field one stays
    feed.send("bank.customers", customer("SC-MOVE", "Hoàng Minh", phones=[phone("0944 555 666")]))
    feed.indexed()
    assert await found(client, token(Role.AGENT, "M1"), q="hoang") == []
    assert await found(client, token(Role.AGENT, "M2"), q="hoang") == ["SC-MOVE"]
    assert await found(client, token(Role.AGENT, "MF"), q="hoang") == ["SC-MOVE"]
    assert await found(client, token(Role.SUPERVISOR, team="T1"), q="hoang") == []
    assert await found(client, q="222 333") == [] and await found(client, q="555 666") == ["SC-MOVE"]
    feed.send("assignments", assignment("SC-MOVE", None, None, "FIELD"))  # no field agent any more
    feed.indexed()
    assert await found(client, token(Role.AGENT, "MF"), q="hoang") == []


@pytest.mark.anyio
async def test_phones_and_emails_agents_added_are_found_and_a_newer_list_replaces_them(client, world):
    _settings, feed = world
    feed.send("bank.customers", customer("SC-ADD", "Trần Văn Cường", phones=[phone("0911 000 111")]))
    feed.send(
        "crm.contacts",
        contacts_added("SC-ADD", 1, "+84 977 808 909", "0911 000 111", emails=("cuong@work.example",)),
    )
    feed.raw("crm.contacts", "SC-ADD", b"not json")  # skipped: the strategy processor dead-letters it
    feed.indexed()
    assert await found(client, q="0977808909") == ["SC-ADD"]  # whole, with the trunk zero
    assert await found(client, q="808 909") == ["SC-ADD"]  # a part
    assert await found(client, q="Cuong@Work.example") == ["SC-ADD"]
    assert await found(client, q="000 111") == ["SC-ADD"]  # the bank's own number still
    response = await client.get("/api/search", params={"q": "SC-ADD"}, headers=ADMIN)
    [result] = response.json()["results"]
    assert result["phones"] == ["0911 000 111", "+84 977 808 909"]  # the bank's, then the new one once
    # the bank's next record keeps the added ones; the agent's next list replaces them
    feed.send("bank.customers", customer("SC-ADD", "Trần Văn Cường", phones=[phone("0911 000 222")]))
    feed.send("crm.contacts", contacts_added("SC-ADD", 2, "+84 966 777 888"))
    feed.indexed()
    assert await found(client, q="808 909") == [] and await found(client, q="cuong@work.example") == []
    assert await found(client, q="777 888") == ["SC-ADD"] and await found(client, q="000 222") == ["SC-ADD"]


def place(line1: str, city: str, **parts) -> dict:
    return {"type": "HOME", "line1": line1, "city": city, "country": "VN", **parts}


@pytest.mark.anyio
async def test_customers_are_found_by_the_words_of_their_addresses_the_bank_s_and_those_agents_added(
    client, world
):
    _settings, feed = world
    home = place("27 Phố Huế", "Hà Nội", province="Hai Bà Trưng", postal_code="113000")
    feed.send("bank.customers", customer("SC-ADDR", "Đỗ Minh Khoa", addresses=[home]))
    feed.send("bank.customers", customer("SC-ADDR2", "Phố Huế", addresses=[place("3 Bà Triệu", "Hà Nội")]))
    shop = {**place("19 Hàng Đào", "Hà Nội"), "type": "WORK", "is_verified": True, "note": "the shop"}
    added = {**contacts_added("SC-ADDR", 1), "addresses": [shop]}
    feed.send("crm.contacts", added)
    feed.indexed()
    assert await found(client, q="27 pho hue") == ["SC-ADDR"]  # every word, whole, accents folded
    assert await found(client, q="pho hue 113000") == ["SC-ADDR"]  # the street and postal code
    assert await found(client, q="hai ba trung") == []  # not the province, nor the city: no filter
    assert await found(client, q="hang dao") == ["SC-ADDR"]  # the shop an agent added
    # found nothing: the last word is then read as the beginning of an address word, still not the province
    assert await found(client, q="27 pho hu") == ["SC-ADDR"]
    assert await found(client, q="hang da") == ["SC-ADDR"]
    assert await found(client, q="hai ba tr") == []
    # a customer named so comes before one living there
    assert await found(client, q="pho hue") == ["SC-ADDR2", "SC-ADDR"]
    response = await client.get("/api/search", params={"q": "SC-ADDR"}, headers=ADMIN)
    [result] = response.json()["results"]
    assert result["addresses"] == [
        "27 Phố Huế, Hai Bà Trưng, Hà Nội 113000, VN",
        "19 Hàng Đào, Hà Nội, VN",
    ]
    # the agents' next list without the shop: no longer found by it
    feed.send("crm.contacts", contacts_added("SC-ADDR", 2))
    feed.indexed()
    assert await found(client, q="hang dao") == [] and await found(client, q="pho hue 27") == ["SC-ADDR"]


def test_a_redelivered_record_leaves_the_document_as_it_was(world):
    _settings, feed = world
    before = feed.stored("SC-002")
    feed.send("bank.customers", customer("SC-002", "Nguyễn Thị Bình", phones=[phone("0987 654 321")]))
    feed.send("assignments", assignment("SC-002", "F1", "TF", "FIELD"))
    feed.indexed()
    after = feed.stored("SC-002")
    assert after["_source"] == before["_source"]
    assert (after["_version"], after["_seq_no"]) == (before["_version"], before["_seq_no"])  # a noop


# ---- the sink on its own ----


def _batch(changes: list[DocumentChange]) -> SinkBatch:
    batch = SinkBatch("t", 0)
    for offset, change in enumerate(changes):
        batch.append(value=change, key=change.cif, timestamp=0, headers=[], offset=offset)
    return batch


def test_the_sink_writes_the_last_fields_per_source_and_a_redelivered_batch_changes_nothing(world):
    settings, feed = world
    sink = SearchSink(settings.elasticsearch_url, feed.alias, max_bulk=1)  # one request per customer
    sink.setup()
    changes = [
        DocumentChange("SK-1", "agent:CALL", {"cif": "SK-1", "call_agent_id": "A1", "call_team": "T"}),
        DocumentChange("SK-2", "delinquency", {"cif": "SK-2", "bucket": "1-29"}),
        DocumentChange("SK-1", "agent:FIELD", {"cif": "SK-1", "field_agent_id": "F1", "field_team": "T"}),
        DocumentChange("SK-1", "agent:CALL", {"cif": "SK-1", "call_agent_id": "A2", "call_team": "T"}),
    ]
    sink.write(_batch(changes))
    first = {cif: feed.stored(cif) for cif in ("SK-1", "SK-2")}
    assert first["SK-1"]["_source"] == {
        "cif": "SK-1",
        "call_agent_id": "A2",
        "call_team": "T",
        "field_agent_id": "F1",
        "field_team": "T",
    }
    assert first["SK-2"]["_source"] == {"cif": "SK-2", "bucket": "1-29"}
    sink.write(_batch(changes))  # as after a crash before the checkpoint was committed
    assert {cif: feed.stored(cif) for cif in ("SK-1", "SK-2")} == first


def test_a_missing_index_alias_is_a_sink_error_not_an_index_made_up_on_the_fly(world):
    settings, feed = world
    sink = SearchSink(settings.elasticsearch_url, f"{settings.namespace}no-such-alias")
    with pytest.raises(SinkError, match="index_not_found"):
        sink.write(_batch([DocumentChange("SK-9", "delinquency", {"cif": "SK-9"})]))
    assert not feed.es.indices.exists(index=f"{settings.namespace}no-such-alias")


def test_an_elasticsearch_that_is_down_is_backpressure_with_a_growing_delay():
    sink = SearchSink("http://127.0.0.1:1", "customers")
    sink.setup()  # not fatal either
    delays = []
    for _ in range(3):
        with pytest.raises(SinkBackpressureError) as error:
            sink.write(_batch([DocumentChange("C1", "delinquency", {"cif": "C1"})]))
        delays.append(error.value.retry_after)
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0 and 4.0 <= delays[2] <= 8.0

"""Creating and upgrading the search index over real Elasticsearch: a mapping that only adds fields is put on
the existing index in place (its documents stay found, the new fields work at once); one Elasticsearch cannot
change in place is reported, and the index is left as it was."""

from __future__ import annotations

import copy

import pytest
from elasticsearch import Elasticsearch

from crm.settings import Settings
from infra.search_indices import alias_name, delete_indices, ensure_indices, index_body

pytestmark = pytest.mark.integration
ADDED = (
    "added_phones",
    "added_phone_digits",
    "added_phone_substrings",
    "added_emails",
    "addresses",
    "address_words",
    "added_addresses",
    "added_address_words",
)


@pytest.fixture
def namespace(service_addresses, run_id):
    settings = Settings(**service_addresses, namespace=f"ix{run_id}.")
    es = Elasticsearch(settings.elasticsearch_url)
    yield settings, es
    delete_indices(settings)
    es.close()


def an_older_index(es: Elasticsearch, settings: Settings, change) -> str:
    """The physical index as an older release made it: today's mapping, changed by ``change``."""
    body = index_body("customers")
    mappings = copy.deepcopy(body["mappings"])
    change(mappings["properties"])
    mappings["_meta"] = {"checksum": "an older mapping", "version": mappings["_meta"]["version"]}
    alias = alias_name("customers", settings)
    index = f"{alias}-v{body['mappings']['_meta']['version']}"
    es.indices.create(index=index, settings=body["settings"], mappings=mappings, aliases={alias: {}})
    return index


def without_added_fields(properties: dict) -> None:
    for name in ADDED:
        del properties[name]


def test_a_mapping_that_adds_fields_upgrades_the_index_in_place(namespace):
    settings, es = namespace
    index = an_older_index(es, settings, without_added_fields)
    es.index(index=index, id="C1", document={"cif": "C1", "phone_digits": ["84900000001"]}, refresh=True)

    [outcome] = ensure_indices(settings)
    assert (outcome.status, outcome.index) == ("upgraded", index)
    properties = es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert set(ADDED) <= properties.keys()
    # the old document is still there, and a new one's added number is found through the bank's field
    es.update(index=index, id="C1", doc={"added_phone_digits": ["84915550001"]}, refresh=True)
    found = es.search(index=index, query={"term": {"phone_digits": "84915550001"}})["hits"]["hits"]
    assert [hit["_id"] for hit in found] == ["C1"]
    assert (
        es.search(index=index, query={"term": {"phone_digits": "84900000001"}})["hits"]["total"]["value"] == 1
    )
    [again] = ensure_indices(settings)
    assert again.status == "exists"


def test_a_change_elasticsearch_cannot_make_in_place_is_reported_and_changes_nothing(namespace):
    settings, es = namespace

    def numbers_as_longs(properties: dict) -> None:
        without_added_fields(properties)
        properties["phone_digits"] = {"type": "long"}

    index = an_older_index(es, settings, numbers_as_longs)
    [outcome] = ensure_indices(settings)
    assert outcome.status == "differs"
    assert "cannot change in place" in outcome.detail and "phone_digits" in outcome.detail, outcome.detail
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["_meta"]["checksum"] == "an older mapping"
    assert mapping["properties"]["phone_digits"] == {"type": "long"}
    assert not set(ADDED) & mapping["properties"].keys()  # all or nothing

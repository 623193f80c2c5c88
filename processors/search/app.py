"""Wiring of the search processor.

bank.customers ─────────┐
delinquency.customers ──┤
assignments ────────────┼─> documents ─> partial documents ─> Elasticsearch: {namespace}customers
crm.contacts ───────────┘

Stateless: each topic owns its fields of the customer's document (the two agent types too: `call_…` and
`field_…` fields, copied into `agent_ids`/`teams` by the mapping), so partial upserts from the four topics
can land in any order. `bank.customers` is dead-lettered by the entities processor and `crm.contacts` by the
strategy processor: a value that fails its contract is skipped here. The other two are written by
processors: a value that fails its contract there is a bug upstream, logged with its offset and skipped
(those topics have no dead-letter twin).
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from quixstreams import message_context

from contracts import AgentAssignment, CrmContacts, CustomerDelinquencyRecord, CustomerRecord
from contracts.common import under_key
from crm.settings import Settings
from processors.common.app import make_application, registry_topic, without_time_alignment
from processors.common.metrics import record_skipped
from processors.search import documents
from processors.search.sink import SearchSink
from topics import physical_name

log = logging.getLogger(__name__)
NAME = "search"
CUSTOMERS = "bank.customers"  # read as bytes: validated here, dead-lettered by the entities processor
# read as bytes too: validated here, each dead-lettered by the processor that owns it
DEAD_LETTERED_ELSEWHERE = {
    CUSTOMERS: (CustomerRecord, documents.customer_fields),
    "crm.contacts": (CrmContacts, documents.added_contact_fields),
}
FROM_PROCESSORS = {
    "delinquency.customers": (CustomerDelinquencyRecord, documents.delinquency_fields),
    "assignments": (AgentAssignment, documents.assignment_fields),
}
INPUTS = (*DEAD_LETTERED_ELSEWHERE, *FROM_PROCESSORS)


def document_change(source: str, key, value) -> documents.DocumentChange | None:
    """The partial document a message makes, or None for a value another processor dead-letters."""
    if source in DEAD_LETTERED_ELSEWHERE:
        contract, fields_of = DEAD_LETTERED_ELSEWHERE[source]
        try:
            record = None if value is None else contract.model_validate_json(value, context=under_key(key))
        except ValidationError:
            return None  # dead-lettered by the processor that owns the contract
        return None if record is None else fields_of(record)
    contract, fields_of = FROM_PROCESSORS[source]
    return fields_of(contract.model_validate(value))


def build(settings: Settings):
    app = make_application(settings, NAME)
    topics = [
        registry_topic(app, settings, name, value="bytes" if name in DEAD_LETTERED_ELSEWHERE else "json")
        for name in INPUTS
    ]
    logical = {physical_name(name, settings): name for name in INPUTS}
    merged = app.dataframe(topics[0])
    for topic in topics[1:]:
        merged = merged.concat(app.dataframe(topic))

    def handle(value, key, _timestamp, _headers):
        context = message_context()
        source = logical[context.topic]
        try:
            change = document_change(source, key, value)
        except ValidationError as error:  # from a processor's output: a bug upstream
            where = {"topic": source, "partition": context.partition, "offset": context.offset}
            log.warning("skipped a value that fails its contract", extra={**where, "error": str(error)[:500]})
            record_skipped(NAME, source, "ValidationError")
            return []
        return [] if change is None else [change]

    changes = merged.apply(handle, metadata=True, expand=True)
    alias = f"{settings.namespace}{documents.INDEX}"  # infra/search_indices.py alias_name
    changes.sink(SearchSink(settings.elasticsearch_url, alias))
    without_time_alignment(app)
    return app


def run(settings: Settings) -> None:
    build(settings).run()

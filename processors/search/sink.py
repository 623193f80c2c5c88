"""Idempotent batched upserts of partial customer documents into Elasticsearch.

Each checkpoint's changes become one ``_bulk`` request (several for a batch over ``max_bulk`` customers):
one ``update`` with ``doc_as_upsert`` per customer, carrying the last fields of each source in the batch.
Writing the same batch again writes the same values (Elasticsearch reports a ``noop`` and does not even
bump the version), so a batch redelivered after a crash changes nothing.

An Elasticsearch that is down, overloaded (429) or unavailable (502-504) is signalled as backpressure with a
growing, jittered delay; the framework then redoes the batch. Any other refusal (a mapping conflict, the
index alias missing because `crm init` has not run) is a ``SinkError``: retrying will not fix it.
"""

from __future__ import annotations

import logging

import orjson
from elasticsearch import ApiError, ConnectionTimeout, Elasticsearch
from elasticsearch import ConnectionError as SearchUnreachable
from quixstreams.sinks import SinkBatch

from processors.search.documents import INDEX, latest_documents
from sinks.batching import OrderedBatchingSink
from sinks.exceptions import SinkError
from sinks.metrics import measured_write

log = logging.getLogger(__name__)
TRANSIENT_STATUSES = frozenset({409, 429, 502, 503, 504})  # 409: a concurrent writer, after 3 retries


class SearchUnavailable(Exception):
    """Elasticsearch did not take (part of) a batch for a reason that may pass."""


def bulk_body(alias: str, documents: dict[str, dict]) -> bytes:
    """The NDJSON of one ``update`` + ``doc_as_upsert`` per customer, into the alias (never a raw index)."""
    lines = []
    for cif, fields in documents.items():
        lines.append(orjson.dumps({"update": {"_index": alias, "_id": cif, "retry_on_conflict": 3}}))
        lines.append(orjson.dumps({"doc": fields, "doc_as_upsert": True}))
    return b"\n".join(lines) + b"\n"


def check_items(response: dict) -> None:
    """Raise for a failed item: ``SearchUnavailable`` when every failure may pass, else ``SinkError``."""
    if not response.get("errors"):
        return
    failed = [item["update"] for item in response["items"] if "error" in item.get("update", {})]
    lasting = [item for item in failed if item.get("status") not in TRANSIENT_STATUSES]
    first = (lasting or failed)[0]
    error = first["error"]
    reason = f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else str(error)
    count = f"{len(failed)} of {len(response['items'])} documents refused"
    message = f"{count}, e.g. cif {first.get('_id')}: {reason}"
    if lasting:
        raise SinkError(f"Elasticsearch refused the batch: {message}")
    raise SearchUnavailable(message)


def write_documents(client: Elasticsearch, alias: str, documents: dict[str, dict], max_bulk: int) -> None:
    items = list(documents.items())
    for start in range(0, len(items), max_bulk):
        body = bulk_body(alias, dict(items[start : start + max_bulk]))
        # require_alias: a missing alias must fail, not auto-create an index with a guessed mapping
        response = client.bulk(operations=body, require_alias=True)
        check_items(response.body)


class SearchSink(OrderedBatchingSink):
    """A Quix Streams sink: each checkpoint's ``DocumentChange``s become idempotent partial upserts.

    A customer's fields come from three topics; the batch holds them in processing order
    (`sinks/batching.py`).
    """

    def __init__(self, elasticsearch_url: str, alias: str, max_bulk: int = 5_000) -> None:
        super().__init__()
        self.elasticsearch_url, self.alias, self.max_bulk = elasticsearch_url, alias, max_bulk
        self._client: Elasticsearch | None = None

    def setup(self) -> None:
        try:
            self._connect().cluster.health(timeout="5s")
        except (SearchUnreachable, ConnectionTimeout, ApiError) as error:
            # Not fatal: the first write signals backpressure and retries until Elasticsearch is back.
            log.warning("Elasticsearch unavailable at start", extra={"error": str(error)})

    def _connect(self) -> Elasticsearch:
        if self._client is None:
            # No retries in the client: the framework redoes a failed batch after the backpressure delay.
            self._client = Elasticsearch(self.elasticsearch_url, request_timeout=30, max_retries=0)
        return self._client

    def write(self, batch: SinkBatch) -> None:
        documents = latest_documents(item.value for item in batch)
        if not documents:
            return
        try:
            with measured_write("elasticsearch", INDEX, batch.size):
                write_documents(self._connect(), self.alias, documents, self.max_bulk)
        except (SearchUnreachable, ConnectionTimeout, SearchUnavailable) as error:
            self._back_off(error)
        except ApiError as error:
            if error.meta.status in TRANSIENT_STATUSES:
                self._back_off(error)
            status = error.meta.status
            raise SinkError(f"Elasticsearch refused the batch: {status} {error.message}") from error
        self.recovered()

    def _back_off(self, error: Exception) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        raise self.back_off("elasticsearch", INDEX, error) from error

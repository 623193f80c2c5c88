"""Create the Elasticsearch indices declared in ``infra/elasticsearch/<index>.json``.

Each logical index is an alias over a versioned physical index (``customers`` → ``customers-v1``), so a new
mapping becomes a new version built beside the old one and switched atomically. The mapping's checksum is kept
in ``_meta`` to notice a mapping edited without a version bump.

A mapping that only adds fields needs no new version: Elasticsearch adds them to the existing index in place
(``put_mapping``), and the documents already there stay found (``upgraded``). A change it cannot make in
place (another type for a field, say) is reported (``differs``): bump the version, then replay the search
processor into the new index.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch import ConnectionError as SearchUnreachable

from crm.settings import redact_credentials
from infra.errors import InfraError

if TYPE_CHECKING:
    from crm.settings import Settings

INDEX_DIR = Path(__file__).parent / "elasticsearch"
# Logical index name → mapping version. Bump the version when the mapping file changes.
INDEX_VERSIONS = {"customers": 2}


@dataclass(frozen=True)
class IndexOutcome:
    alias: str
    index: str
    status: str  # created | exists | upgraded | differs
    detail: str = ""


def index_body(name: str) -> dict:
    body = json.loads((INDEX_DIR / f"{name}.json").read_text())
    checksum = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    body["mappings"]["_meta"] = {"checksum": checksum, "version": INDEX_VERSIONS[name]}
    return body


def alias_name(name: str, settings: Settings) -> str:
    return f"{settings.namespace}{name}"


def make_client(settings: Settings) -> Elasticsearch:
    return Elasticsearch(settings.elasticsearch_url, request_timeout=30, retry_on_timeout=True, max_retries=2)


def ensure_indices(settings: Settings) -> list[IndexOutcome]:
    client = make_client(settings)
    try:
        client.cluster.health(wait_for_status="yellow", timeout="30s")
        return [_ensure(client, settings, name, version) for name, version in INDEX_VERSIONS.items()]
    except SearchUnreachable:
        url = redact_credentials(settings.elasticsearch_url)
        raise InfraError(f"cannot reach Elasticsearch at {url}: connection failed") from None
    except (TransportError, ApiError) as error:
        url = redact_credentials(settings.elasticsearch_url)
        raise InfraError(f"Elasticsearch at {url} failed: {error.message}") from None
    finally:
        client.close()


def _ensure(client: Elasticsearch, settings: Settings, name: str, version: int) -> IndexOutcome:
    alias = alias_name(name, settings)
    index = f"{alias}-v{version}"
    body = index_body(name)
    if client.indices.exists(index=index):
        current = client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
        status = "exists"
        if current.get("checksum") != body["mappings"]["_meta"]["checksum"]:
            refused = _add_fields(client, index, body["mappings"])
            if refused is not None:
                detail = (
                    f"mapping of {index} differs from infra/elasticsearch/{name}.json and cannot change in "
                    f"place ({refused}); bump its version"
                )
                return IndexOutcome(alias, index, "differs", detail)
            status = "upgraded"
    else:
        client.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
        status = "created"
    if not client.indices.exists_alias(name=alias, index=index):
        actions: list[dict] = [{"add": {"index": index, "alias": alias}}]
        if client.indices.exists_alias(name=alias):
            old = list(client.indices.get_alias(name=alias))
            actions = [{"remove": {"index": i, "alias": alias}} for i in old] + actions
        client.indices.update_aliases(actions=actions)
    return IndexOutcome(alias, index, status)


def _add_fields(client: Elasticsearch, index: str, mappings: dict) -> str | None:
    """Put the file's mapping on the existing index (new fields and the new ``_meta``); None when done,
    else Elasticsearch's reason (a field it cannot change in place)."""
    try:
        client.indices.put_mapping(
            index=index,
            properties=mappings["properties"],
            dynamic=mappings.get("dynamic"),
            meta=mappings["_meta"],
        )
    except ApiError as error:
        if error.status_code != 400:
            raise
        return str(error.message) if not error.body else str(error.body.get("error", {}).get("reason", error))
    return None


def delete_indices(settings: Settings) -> None:
    """Drop this namespace's indices (tests clean up with it)."""
    client = make_client(settings)
    try:
        for name, version in INDEX_VERSIONS.items():
            client.indices.delete(index=f"{alias_name(name, settings)}-v{version}", ignore_unavailable=True)
    finally:
        client.close()

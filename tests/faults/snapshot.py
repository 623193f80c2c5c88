"""Everything the processors wrote for one namespace, in a form two runs can be compared by: the
PostgreSQL tables, the search index and the Redis keys. "Nothing lost, nothing doubled" is then one
equality with the snapshot of an uninterrupted run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
import redis
from elasticsearch import Elasticsearch

from crm.settings import Settings
from processors.search.documents import INDEX
from sinks.redis import events_stream_key

# Written by the API, the seed and the migrations (some with the wall clock), not by processors.
NOT_FROM_PROCESSORS = frozenset(
    {
        "schema_migrations",
        "users",
        "login_failures",
        "audit_log",
        "agents",
        "strategy_versions",
        "accepted_actions",
        "accepted_payments",
        "dashboard_settings",
    }
)
# What records *when* the pipeline noticed something rather than what it found: these differ even between
# two clean runs, with the order in which a processor happened to read its input topics' partitions.
# - Allocation gives a customer the least loaded agent of the moment and dates each change with the team's
#   latest business date, so the history depends on the order the customers' requests met. The tests give
#   each team one agent with room for everybody: who holds each customer now is then certain, and that is
#   compared (a customer whose campaign ended keeps an agentless row naming the team that let go: history).
# - A strategy assignment and a promise record the business date they were last evaluated on, and a
#   campaign's reason quotes the DPD of that evaluation.
QUERIES = {
    "agent_assignments": "SELECT a::text FROM (SELECT cif, agent_type, agent_id, team, campaign_id,"
    " strategy_version FROM agent_assignments WHERE valid_to IS NULL AND agent_id IS NOT NULL) a",
    "strategy_assignments": "SELECT a::text FROM (SELECT cif, strategy_id, strategy_version, campaign_ids,"
    " delinquent, (SELECT jsonb_agg(c - 'reason') FROM jsonb_array_elements(campaigns) c)"
    " FROM strategy_assignments) a",
    "promises": "SELECT p::text FROM (SELECT action_id, cif, account_number, agent_id, made_on, due_date,"
    " amount, status, paid FROM promises) p",
}
AGENT_TYPES = ("call", "field")  # a search document's agent fields: {type}_agent_id, {type}_team


@dataclass
class Snapshot:
    tables: dict[str, list[tuple]] = field(default_factory=dict)  # every row, sorted
    documents: dict[str, dict] = field(default_factory=dict)  # search index: id → source
    redis: dict[str, Any] = field(default_factory=dict)  # key without the namespace → content

    def differences(self, other: Snapshot, limit: int = 5) -> list[str]:
        """What differs from ``other`` (the reference), a few examples per table or key; empty if equal."""
        found = []
        for name in sorted(set(self.tables) | set(other.tables)):
            found += _diff(f"table {name}", set(self.tables.get(name, [])), set(other.tables.get(name, [])))
            if len(self.tables.get(name, [])) != len(set(self.tables.get(name, []))):
                found.append(f"table {name}: duplicate rows")
        found += _diff_maps("search document", self.documents, other.documents, limit)
        found += _diff_maps("redis key", self.redis, other.redis, limit)
        return found[: limit * 20]


def _diff(what: str, got: set, want: set, limit: int = 5) -> list[str]:
    extra, missing = sorted(got - want, key=repr), sorted(want - got, key=repr)
    lines = [f"{what}: unexpected {row}" for row in extra[:limit]]
    lines += [f"{what}: missing {row}" for row in missing[:limit]]
    if len(extra) + len(missing) > 2 * limit:
        lines.append(f"{what}: {len(extra)} unexpected and {len(missing)} missing rows in all")
    return lines


def _diff_maps(what: str, got: dict, want: dict, limit: int) -> list[str]:
    keys = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    lines = []
    for k in keys[:limit]:
        mine, theirs = got.get(k), want.get(k)
        if isinstance(mine, dict) and isinstance(theirs, dict):  # only the fields or members that differ
            fields = sorted((f for f in set(mine) | set(theirs) if mine.get(f) != theirs.get(f)), key=repr)
            mine, theirs = ({f: d.get(f, "<absent>") for f in fields} for d in (mine, theirs))
        lines.append(f"{what} {k}: {_short(mine)} instead of {_short(theirs)}")
    if len(keys) > limit:
        lines.append(f"{what}: {len(keys)} differ in all")
    return lines


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "…"


def take_snapshot(settings: Settings) -> Snapshot:
    return Snapshot(_tables(settings), _documents(settings), _redis(settings))


def _tables(settings: Settings) -> dict[str, list[tuple]]:
    with psycopg.connect(settings.database_url) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            ).fetchall()
            if name not in NOT_FROM_PROCESSORS
        ]
        # Rows as text: exact for numeric and jsonb, and sortable whatever the column types.
        everything = psycopg.sql.SQL("SELECT t::text FROM {} t")
        return {
            name: sorted(
                row
                for (row,) in conn.execute(
                    QUERIES.get(name) or everything.format(psycopg.sql.Identifier(name))
                ).fetchall()
            )
            for name in names
        }


def _documents(settings: Settings) -> dict[str, dict]:
    client = Elasticsearch(settings.elasticsearch_url, request_timeout=30)
    try:
        alias = f"{settings.namespace}{INDEX}"
        client.indices.refresh(index=alias)
        found = client.search(index=alias, size=10_000, query={"match_all": {}}, track_total_hits=True)
        assert found["hits"]["total"]["value"] <= 10_000, "too many documents for one page: a smaller test"
        return {hit["_id"]: _without_agentless_teams(hit["_source"]) for hit in found["hits"]["hits"]}
    finally:
        client.close()


def _without_agentless_teams(document: dict) -> dict:
    """The document without the team of an agent type that has no agent (history, see ``QUERIES``)."""
    for kind in AGENT_TYPES:
        if document.get(f"{kind}_agent_id") is None:
            document.pop(f"{kind}_agent_id", None)
            document.pop(f"{kind}_team", None)
    return document


def _redis(settings: Settings) -> dict[str, Any]:
    """Every key of the namespace but the live-events stream (hints to re-read, repeated on a redelivery)."""
    client = redis.Redis.from_url(settings.redis_url)
    namespace, events = settings.namespace.encode(), events_stream_key(settings.namespace).encode()
    found: dict[str, Any] = {}
    for key in client.scan_iter(match=f"{settings.namespace}*", count=10_000):
        if key == events:
            continue
        kind = client.type(key)
        name = key[len(namespace) :].decode()
        if kind == b"zset":
            found[name] = dict(client.zrange(key, 0, -1, withscores=True))
        elif kind == b"hash":
            found[name] = client.hgetall(key)
        elif kind == b"string":
            found[name] = client.get(key)
        else:
            found[name] = kind.decode()
    return found

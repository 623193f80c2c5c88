"""Where the queues live in Redis (shared by the processor's sink and `processors.queues.read`).

Per agent, behind the settings' namespace: ``queue:{AGENT}`` a sorted set (member cif, score priority)
and ``queue:{AGENT}:entries`` a hash (cif → the entry as JSON). The braces are literal: agent ids may hold
``:``, never braces, so no agent's keys can collide with another's, and in a Redis Cluster both keys of an
agent hash to the same slot (a hash tag), as a MULTI/EXEC over them requires.

Per customer with a contact history: ``contacts`` a sorted set (member cif, score the epoch seconds of the
customer's latest action, so old ones can be found without reading the hash) and ``contacts:entries`` a
hash (cif → the `logic.ContactSnapshot` JSON: compliance inputs and zone), read by the API's check of a
new outbound call.
"""

from __future__ import annotations

from sinks.redis import EVENTS_MAX_LEN, MemberChange, events_stream_key

QUEUES_RESET = "queues_reset"  # the events-stream entry's type after every queue was deleted


def queue_key(namespace: str, agent_id: str) -> str:
    return f"{namespace}queue:{{{agent_id}}}"


def entries_key(namespace: str, agent_id: str) -> str:
    return f"{queue_key(namespace, agent_id)}:entries"


def member_change(namespace: str, agent_id: str, cif: str, score: float | None, entry: bytes | None):
    """A queue change as the Redis sink writes it."""
    return MemberChange(queue_key(namespace, agent_id), entries_key(namespace, agent_id), cif, score, entry)


def contacts_key(namespace: str) -> str:
    return f"{namespace}contacts"


def contacts_entries_key(namespace: str) -> str:
    return f"{contacts_key(namespace)}:entries"


def contacts_change(namespace: str, cif: str, latest_at: float, snapshot: bytes) -> MemberChange:
    """A customer's contact snapshot as the Redis sink writes it."""
    return MemberChange(contacts_key(namespace), contacts_entries_key(namespace), cif, latest_at, snapshot)


def written_marker_key(namespace: str, partition: int) -> str:
    """Set once Redis holds everything partition ``partition`` of the processor's state wrote; its absence
    makes the processor write it all again (`processors.queues.rebuild`)."""
    return f"{namespace}queues:written:{partition}"


def delete_all_queues(redis_client, namespace: str) -> int:
    """Remove every queue of the namespace (before a rebuild by replay) and the partitions' markers, so that
    a processor still running writes its queues again; returns how many queue keys were deleted.

    Then appends a ``queues_reset`` entry to the live-events stream, so that the API's workers drop the
    queue pages they keep (`api.queue_pages`). It has no ``data``: live-events clients are not sent it,
    they get the rebuilt queues' own events."""
    for marker in redis_client.scan_iter(match=written_marker_key(namespace, 0)[:-1] + "*", count=10_000):
        redis_client.delete(marker)
    deleted = 0
    batch: list[bytes] = []
    for key in redis_client.scan_iter(match=f"{namespace}queue:{{*", count=10_000):
        batch.append(key)
        if len(batch) == 1_000:
            deleted += redis_client.delete(*batch)
            batch.clear()
    if batch:
        deleted += redis_client.delete(*batch)
    reset = {"type": QUEUES_RESET}
    redis_client.xadd(events_stream_key(namespace), reset, maxlen=EVENTS_MAX_LEN, approximate=True)
    return deleted

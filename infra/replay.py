"""Reset processors so that they rebuild their state and outputs from their input topics (`crm replay`).

A processor's progress lives in three places: its consumer group's committed offsets, its local RocksDB
state (under the state dir) and the framework's internal topics (`changelog__<group>--…` restores state,
`repartition__<group>--…` carries re-keyed records). Removing all three makes the next `crm run` start as
if for the first time: `auto_offset_reset=earliest` re-reads every input.

What the processor wrote must go too where a replay cannot simply overwrite it:

* tables whose rows carry the processor's own counters (`revision`, `seq`): a replay numbers its records
  afresh, so the old rows would win the version guard or sit beside the new ones (`OWNED_TABLES`);
* topics a processor feeds itself (`delinquency.ticks`, `allocation.requests`, `queues.ticks`): the replay
  derives them again from its inputs, so the old records would be read twice;
* the agents' queues in Redis, so a queue left over from before cannot survive the rebuild.

Its downstream processors read its outputs again from the new records, and several keep state that
ignores a record older than the one they saw (the roll-up keeps each loan's latest revision): they are
replayed with it unless the operator says otherwise (`downstream`).

``--from`` (a point in time) keeps state and tables and only moves the group's offsets back. That is
correct only for processors that keep no state between messages and write idempotent upserts (entities,
search); a stateful processor would apply the same payment or tick twice on top of a state that already
has it, so it is refused.

The processors must be stopped first: a group with live members is refused before anything changes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition

from crm.errors import CrmError
from crm.settings import Settings
from infra.kafka_topics import delete_topics, existing_topics
from processors.common.app import consumer_group, state_path
from processors.registry import INPUTS, PROCESSORS
from topics import physical_name
from topics.clients import describe_groups, make_admin

TIMEOUT_S = 30.0

# Each processor's outputs on the registry's topics (dead letters aside): what its downstream reads.
OUTPUTS: dict[str, tuple[str, ...]] = {
    "entities": (),
    "delinquency": (
        "delinquency.loans",
        "delinquency.transitions",
        "delinquency.payments",
        "delinquency.ticks",
    ),
    "rollup": ("delinquency.customers",),
    "promises": ("promises",),
    "strategy": ("strategy.assignments",),
    "allocation": ("assignments", "allocation.requests", "allocation.decisions"),
    "queues": ("queues.ticks",),
    "search": (),
}
# Tables whose rows carry the processor's own counters: emptied before a replay from the beginning (each
# TRUNCATE also empties the dashboard aggregates kept from it; the replay's writes fill them again).
OWNED_TABLES: dict[str, tuple[str, ...]] = {
    "delinquency": ("loan_delinquency", "delinquency_transitions"),
    "rollup": ("customer_delinquency",),
    "allocation": ("agent_assignments", "reassignment_decisions"),  # decisions: the replay's stand
}
# Processors that keep nothing between messages and upsert idempotently: safe to rewind to a time.
STATELESS = frozenset({"entities", "search"})


class ReplayRefused(CrmError):
    """The replay asked for would be wrong or unsafe; nothing was changed."""


def self_fed_topics(name: str) -> list[str]:
    return [topic for topic in OUTPUTS[name] if topic in INPUTS[name]]


def with_downstream(names: Iterable[str]) -> list[str]:
    """``names`` and every processor that reads, directly or not, what they write; in pipeline order."""
    chosen = set(names)
    grew = True
    while grew:
        written = {topic for name in chosen for topic in OUTPUTS[name]}
        more = {name for name in PROCESSORS if set(INPUTS[name]) & written} - chosen
        chosen |= more
        grew = bool(more)
    return [name for name in PROCESSORS if name in chosen]


@dataclass(frozen=True)
class ReplayPlan:
    processors: list[str]
    since: datetime | None  # None: from the beginning

    @property
    def tables(self) -> list[str]:
        return [t for name in self.processors for t in OWNED_TABLES.get(name, ())] if not self.since else []

    @property
    def emptied_topics(self) -> list[str]:
        return [t for name in self.processors for t in self_fed_topics(name)] if not self.since else []

    @property
    def clears_queues(self) -> bool:
        return "queues" in self.processors and not self.since

    def describe(self) -> list[str]:
        """What the replay will do, in words, for the confirmation prompt."""
        names = ", ".join(self.processors)
        if self.since:
            when = self.since.isoformat()
            return [
                f"rewind the consumer groups of {names} to the first message at or after {when}",
                "keep their state and tables (they upsert: re-reading changes nothing already right)",
            ]
        lines = [f"reset {names}: consumer groups, local state, changelog and repartition topics"]
        if self.tables:
            lines.append(f"empty the tables {', '.join(self.tables)} (refilled as the replay goes)")
        if self.emptied_topics:
            lines.append(f"empty the topics {', '.join(self.emptied_topics)} (derived again from the inputs)")
        if self.clears_queues:
            lines.append("delete the agents' queues in Redis (rebuilt as the replay goes)")
        return lines


def plan_replay(names: list[str], *, downstream: bool = True, since: datetime | None = None) -> ReplayPlan:
    """Which processors a replay of ``names`` (all when empty) resets, or why it is refused."""
    unknown = [name for name in names if name not in PROCESSORS]
    if unknown:
        raise ReplayRefused(f"unknown processor {', '.join(unknown)}; processors: {', '.join(PROCESSORS)}")
    chosen = [name for name in PROCESSORS if name in names] if names else list(PROCESSORS)
    if since is not None:
        stateful = [name for name in chosen if name not in STATELESS]
        if stateful:
            raise ReplayRefused(
                f"--from cannot replay {', '.join(stateful)}: they keep state, and re-reading messages it "
                "already holds would count them twice. Replay them --from-beginning (state rebuilt from "
                f"offset zero); --from works for {', '.join(sorted(STATELESS))}"
            )
        if since.tzinfo is None:
            raise ReplayRefused("--from needs a time zone (e.g. 2026-03-02T08:00:00+00:00)")
        return ReplayPlan(chosen, since)
    return ReplayPlan(with_downstream(chosen) if downstream else chosen, None)


def running_members(settings: Settings, names: Iterable[str]) -> dict[str, int]:
    """Processor → how many consumers its group has now, for those that have any."""
    admin = make_admin(settings)
    groups = {consumer_group(settings, name): name for name in names}
    running = {}
    for group, described in describe_groups(admin, list(groups), TIMEOUT_S).items():
        members = len(described.members) if described is not None else 0
        if members:
            running[groups[group]] = members
    return {name: running[name] for name in PROCESSORS if name in running}


def ensure_stopped(settings: Settings, names: Iterable[str]) -> None:
    running = running_members(settings, names)
    if running:
        listed = ", ".join(
            f"{name} ({count} consumer{'s' if count > 1 else ''})" for name, count in running.items()
        )
        raise ReplayRefused(f"still running: {listed}. Stop them (Ctrl-C in `crm run`) and replay again")


def start_replay(settings: Settings, plan: ReplayPlan) -> None:
    """Check that the processors are stopped, then reset or rewind them; `crm run` them next."""
    ensure_stopped(settings, plan.processors)
    if plan.since is not None:
        rewind(settings, plan.processors, plan.since)
        return
    reset_processors(settings, plan.processors)
    clear_outputs(settings, plan)


def internal_topics(settings: Settings, processor: str) -> list[str]:
    group = consumer_group(settings, processor)
    prefixes = (f"changelog__{group}--", f"repartition__{group}--")
    return sorted(t for t in existing_topics(settings) if t.startswith(prefixes))


def reset_processors(settings: Settings, processors: Iterable[str], timeout: float = TIMEOUT_S) -> None:
    processors = list(processors)
    admin = make_admin(settings)
    groups = [consumer_group(settings, name) for name in processors]
    for group, future in admin.delete_consumer_groups(groups, request_timeout=timeout).items():
        try:
            future.result(timeout=timeout)
        except KafkaException as error:
            code = error.args[0].name()
            if code == "NON_EMPTY_GROUP":
                message = f"consumer group {group} still has members: stop its processor first"
                raise CrmError(message) from error
            if code not in ("GROUP_ID_NOT_FOUND", "GROUP_ID_NOT_FOUND_OR_EMPTY"):
                raise
    delete_topics(settings, [t for name in processors for t in internal_topics(settings, name)], timeout)
    for name in processors:
        shutil.rmtree(state_path(settings, name), ignore_errors=True)


def clear_outputs(settings: Settings, plan: ReplayPlan) -> None:
    """Empty what the replay writes afresh: owned tables, self-fed topics, the queues."""
    if plan.tables:
        import psycopg

        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute("TRUNCATE " + ", ".join(plan.tables))  # sql-safe: OWNED_TABLES names
    if plan.emptied_topics:
        delete_all_records(settings, [physical_name(t, settings) for t in plan.emptied_topics])
    if plan.clears_queues:
        import redis

        from processors.queues.layout import delete_all_queues

        client = redis.Redis.from_url(settings.redis_url)
        try:
            delete_all_queues(client, settings.namespace)
        finally:
            client.close()


def _partitions(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    metadata = make_admin(settings).list_topics(timeout=TIMEOUT_S)
    return [
        TopicPartition(t, p) for t in topics if t in metadata.topics for p in metadata.topics[t].partitions
    ]


def delete_all_records(settings: Settings, topics: list[str]) -> None:
    """Move each partition's log start to its end: the topic stays, its records are gone."""
    from confluent_kafka import Consumer

    probe = Consumer({"bootstrap.servers": settings.kafka_brokers, "group.id": "crm-replay-probe"})
    try:
        ends = [
            TopicPartition(tp.topic, tp.partition, probe.get_watermark_offsets(tp, timeout=TIMEOUT_S)[1])
            for tp in _partitions(settings, topics)
        ]
    finally:
        probe.close()
    ends = [tp for tp in ends if tp.offset > 0]
    if ends:
        admin = make_admin(settings)  # held: its futures resolve only while the client lives
        for future in admin.delete_records(ends, request_timeout=TIMEOUT_S).values():
            future.result(timeout=TIMEOUT_S)


def rewind(settings: Settings, processors: list[str], since: datetime) -> None:
    """Set each group's offsets to the first message at or after ``since`` (the end where none is)."""
    from confluent_kafka import Consumer

    admin = make_admin(settings)
    probe = Consumer({"bootstrap.servers": settings.kafka_brokers, "group.id": "crm-replay-probe"})
    millis = int(since.timestamp() * 1000)
    try:
        for name in processors:
            wanted = [
                TopicPartition(tp.topic, tp.partition, millis)
                for tp in _partitions(settings, [physical_name(t, settings) for t in INPUTS[name]])
            ]
            found = probe.offsets_for_times(wanted, timeout=TIMEOUT_S)
            offsets = [
                TopicPartition(
                    tp.topic,
                    tp.partition,
                    tp.offset if tp.offset >= 0 else probe.get_watermark_offsets(tp, timeout=TIMEOUT_S)[1],
                )
                for tp in found
            ]
            request = [ConsumerGroupTopicPartitions(consumer_group(settings, name), offsets)]
            for future in admin.alter_consumer_group_offsets(request, request_timeout=TIMEOUT_S).values():
                future.result(timeout=TIMEOUT_S)
    finally:
        probe.close()

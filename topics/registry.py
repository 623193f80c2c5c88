"""Every topic of the system, declared once.

Topics are created by ``crm init`` from this registry (the broker never auto-creates them). Names here are
the logical names of ``interfaces.md``; :func:`physical_name` adds the optional ``CRM_NAMESPACE`` prefix so
several test runs can share one broker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

    from crm.settings import Settings

FOREVER = -1
DAY_MS = 24 * 3600 * 1000


class TopicKind(StrEnum):
    INBOUND = "inbound"  # banks, channels and the API write; processors read
    CONFIG = "config"  # compacted configuration published by the admin API
    OUTBOUND = "outbound"  # results other systems may consume
    INTERNAL = "internal"  # plumbing between processors (e.g. the business-date broadcast)
    DLQ = "dlq"  # dead letters of an inbound or config topic


@dataclass(frozen=True)
class TopicSpec:
    name: str
    kind: TopicKind
    key_field: str
    description: str
    compacted: bool = False
    retention_ms: int = FOREVER
    # None: the settings' default partition count. The business date is one partition to keep ticks ordered.
    partitions: int | None = None
    extra_config: dict[str, str] = field(default_factory=dict)

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"

    def contract(self) -> type[BaseModel] | None:
        """The pydantic model of this topic's values (imported lazily: contracts is heavier than names)."""
        import contracts

        return {**contracts.INBOUND, **contracts.CONFIG}.get(self.name)

    def partition_count(self, settings: Settings) -> int:
        return self.partitions or settings.topic_partitions

    def broker_config(self) -> dict[str, str]:
        config = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": str(self.retention_ms),
            "compression.type": "producer",
        }
        if self.compacted:
            # Keep a day of history uncompacted so a consumer that is a little behind still sees every change.
            config["min.compaction.lag.ms"] = str(DAY_MS)
        return {**config, **self.extra_config}


_INBOUND = (
    TopicSpec(
        "bank.customers",
        TopicKind.INBOUND,
        "cif",
        "Customer snapshots from core banking; the latest per cif wins.",
        compacted=True,
    ),
    TopicSpec(
        "bank.loans",
        TopicKind.INBOUND,
        "account_number",
        "Loan snapshots with the full installment schedule; a newer as_of replaces an older one.",
        compacted=True,
    ),
    TopicSpec(
        "bank.collaterals",
        TopicKind.INBOUND,
        "collateral_number",
        "Collateral and the loans it secures.",
        compacted=True,
    ),
    # Payments and actions are facts, not snapshots: kept forever so a replay from offset zero is complete.
    TopicSpec(
        "payments",
        TopicKind.INBOUND,
        "account_number",
        "Payments and reversals from payment channels and the API; deduplicated by reference_number.",
    ),
    TopicSpec(
        "agent.actions",
        TopicKind.INBOUND,
        "cif",
        "Agents' recorded actions, promises to pay and follow-ups.",
    ),
    TopicSpec(
        "ops.business-date",
        TopicKind.INBOUND,
        "bank",
        "The bank's business date, the only clock; processors fan each tick out to every partition.",
        partitions=1,
    ),
)

_CONFIG = (
    TopicSpec(
        "config.agents",
        TopicKind.CONFIG,
        "agent_id",
        "Agents, teams, skills and capacities, published by the admin API.",
        compacted=True,
    ),
    TopicSpec(
        "config.strategies",
        TopicKind.CONFIG,
        "strategy_id",
        "Strategy (campaign) configuration versions, published by the admin API.",
        compacted=True,
        partitions=1,
    ),
    # Facts, not a snapshot (one team's overrides share its key): kept forever so a replay applies them all.
    TopicSpec(
        "allocation.overrides",
        TopicKind.CONFIG,
        "team",
        "Supervisors' reassignments of customers to chosen agents, published by the API; keyed by pool "
        "(team) like allocation.requests, which it is read with.",
    ),
    TopicSpec(
        "crm.cases",
        TopicKind.CONFIG,
        "cif",
        "Each customer's case statuses (state, recovery ability) as saved through the API, not the notes; "
        "the strategy processor's conditions read them (case.state, case.recovery_ability).",
        compacted=True,
    ),
    TopicSpec(
        "crm.contacts",
        TopicKind.CONFIG,
        "cif",
        "Phones and emails agents added to a customer, each customer's whole list as saved through the API; "
        "the strategy processor's contact rules select them beside the bank's.",
        compacted=True,
    ),
)

_OUTBOUND = (
    TopicSpec(
        "delinquency.loans",
        TopicKind.OUTBOUND,
        "account_number",
        "Current delinquency state per loan: dpd, bucket, overdue amount.",
        compacted=True,
    ),
    TopicSpec(
        "delinquency.customers",
        TopicKind.OUTBOUND,
        "cif",
        "Customer roll-up: worst loan, summed overdue and outstanding.",
        compacted=True,
    ),
    TopicSpec(
        "delinquency.transitions",
        TopicKind.OUTBOUND,
        "account_number",
        "Bucket transitions: entry, roll-forward, roll-back, cure.",
    ),
    TopicSpec(
        "promises",
        TopicKind.OUTBOUND,
        "cif",
        "Promises to pay as they are made, kept or broken.",
    ),
    TopicSpec(
        "strategy.assignments",
        TopicKind.OUTBOUND,
        "cif",
        "Campaign per strategy group and selected contacts for each customer.",
        compacted=True,
    ),
    TopicSpec(
        "assignments",
        TopicKind.OUTBOUND,
        "cif",
        "Changes of a customer's call or field agent, one record per agent type (so not compacted: both "
        "records share the cif key).",
    ),
    TopicSpec(
        "allocation.decisions",
        TopicKind.OUTBOUND,
        "override_id",
        "What the allocation processor made of each supervisor's reassignment: applied, kept for the "
        "customer's stay, already so, refused (with why) or superseded; the latest decision of one wins.",
        compacted=True,
    ),
)


_INTERNAL = (
    TopicSpec(
        "delinquency.ticks",
        TopicKind.INTERNAL,
        "partition_key",
        "The business date fanned out: one message per partition, keyed to land on it.",
        retention_ms=7 * DAY_MS,
    ),
    TopicSpec(
        "queues.ticks",
        TopicKind.INTERNAL,
        "partition_key",
        "A business date's re-ranking of the queues carried on: the queues processor sends itself the rest "
        "of a long one, keyed to land on the same partition.",
        retention_ms=7 * DAY_MS,
    ),
    TopicSpec(
        "delinquency.payments",
        TopicKind.INTERNAL,
        "cif",
        "Completed payments and reversals with their loan's customer, re-keyed by cif for the promises "
        "processor; facts, kept forever like the payments topic.",
    ),
    TopicSpec(
        "strategy.reevaluate",
        TopicKind.INTERNAL,
        "partition_key",
        "Requests to re-evaluate every customer under the current strategy, one per partition, and the "
        "strategy processor's continuations of a long one or of a business date's re-evaluations (marked "
        "continued).",
        retention_ms=7 * DAY_MS,
    ),
    TopicSpec(
        "allocation.requests",
        TopicKind.INTERNAL,
        "pool",
        "Customers' allocation needs and agent changes, keyed by pool (team): one team's agents and "
        "customers meet on one partition, so capacity holds across partitions.",
    ),
)


def _dlq_twin(spec: TopicSpec) -> TopicSpec:
    # Dead letters wait for an operator: kept forever so nothing expires unseen.
    return TopicSpec(spec.dlq, TopicKind.DLQ, spec.key_field, f"Dead letters of {spec.name}.")


INBOUND_TOPICS: tuple[TopicSpec, ...] = _INBOUND
# Entities before the facts that refer to them; the business date last so it finds a full portfolio.
INGEST_ORDER: tuple[str, ...] = (
    "config.agents",
    "bank.customers",
    "bank.loans",
    "bank.collaterals",
    "payments",
    "agent.actions",
    "ops.business-date",
)
ALL_TOPICS: tuple[TopicSpec, ...] = (
    *_INBOUND,
    *_CONFIG,
    *_OUTBOUND,
    *_INTERNAL,
    *(_dlq_twin(spec) for spec in (*_INBOUND, *_CONFIG)),
)
_BY_NAME = {spec.name: spec for spec in ALL_TOPICS}


class UnknownTopicError(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        known = ", ".join(spec.name for spec in INBOUND_TOPICS + _CONFIG)
        return f"unknown topic {self.name!r}; topics that take input: {known}"


def get_topic(name: str) -> TopicSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownTopicError(name) from None


def dlq_of(name: str) -> TopicSpec:
    return get_topic(get_topic(name).dlq)


def physical_name(name: str, settings: Settings) -> str:
    """The name on the broker: the logical name behind the optional namespace prefix."""
    return f"{settings.namespace}{name}" if settings.namespace else name

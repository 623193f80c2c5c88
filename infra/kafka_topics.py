"""Create the registry's topics on the broker; existing topics are left as they are."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from confluent_kafka import KafkaException
from confluent_kafka.admin import NewTopic

from infra.errors import InfraError
from topics import ALL_TOPICS, TopicSpec, physical_name
from topics.clients import make_admin

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crm.settings import Settings


@dataclass(frozen=True)
class TopicOutcome:
    name: str
    status: str  # created | exists | differs
    detail: str = ""


def _metadata(settings: Settings, timeout: float):
    admin = make_admin(settings)
    try:
        return admin.list_topics(timeout=timeout)
    except KafkaException as error:
        raise InfraError(f"cannot reach Kafka at {settings.kafka_brokers}: {error.args[0].str()}") from None


def existing_topics(settings: Settings, timeout: float = 10.0) -> dict[str, int]:
    """Topic name → partition count, or an InfraError naming the broker when it cannot be reached."""
    return {name: len(topic.partitions) for name, topic in _metadata(settings, timeout).topics.items()}


def cluster_id(settings: Settings, timeout: float = 10.0) -> str:
    return _metadata(settings, timeout).cluster_id


def ensure_topics(
    settings: Settings, specs: Iterable[TopicSpec] = ALL_TOPICS, timeout: float = 30.0
) -> list[TopicOutcome]:
    present = existing_topics(settings)
    outcomes: list[TopicOutcome] = []
    to_create: dict[str, TopicSpec] = {}
    for spec in specs:
        name = physical_name(spec.name, settings)
        wanted = spec.partition_count(settings)
        if name not in present:
            to_create[name] = spec
        elif present[name] != wanted:
            # Changing partitions re-keys data: report it, never change it silently.
            detail = f"has {present[name]} partitions, registry says {wanted}"
            outcomes.append(TopicOutcome(name, "differs", detail))
        else:
            outcomes.append(TopicOutcome(name, "exists"))
    if to_create:
        outcomes.extend(_create(settings, to_create, timeout))
    return sorted(outcomes, key=lambda outcome: outcome.name)


def _create(settings: Settings, specs: dict[str, TopicSpec], timeout: float) -> list[TopicOutcome]:
    new_topics = [
        NewTopic(
            name,
            num_partitions=spec.partition_count(settings),
            replication_factor=settings.topic_replication_factor,
            config=spec.broker_config(),
        )
        for name, spec in specs.items()
    ]
    admin = make_admin(settings)  # keep a reference: the futures die with their client
    futures = admin.create_topics(new_topics, request_timeout=timeout)
    outcomes = []
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
            outcomes.append(TopicOutcome(name, "created"))
        except KafkaException as error:
            kafka_error = error.args[0]
            if kafka_error.name() == "TOPIC_ALREADY_EXISTS":  # lost a race with another init: fine
                outcomes.append(TopicOutcome(name, "exists"))
            else:
                raise InfraError(f"could not create topic {name}: {kafka_error.str()}") from None
    return outcomes


def delete_topics(settings: Settings, names: Iterable[str], timeout: float = 30.0) -> None:
    """Delete topics by physical name and wait until the broker no longer lists them.

    The controller answers a deletion before every broker has applied it, so a topic can still be listed
    (and a processor started at once could still find it, a replay's changelog for one) for a moment after.
    """
    names = list(names)
    if not names:
        return
    admin = make_admin(settings)
    for future in admin.delete_topics(names, request_timeout=timeout).values():
        try:
            future.result(timeout=timeout)
        except KafkaException as error:
            if error.args[0].name() != "UNKNOWN_TOPIC_OR_PART":
                raise
    deadline = time.monotonic() + timeout
    while listed := set(names) & admin.list_topics(timeout=timeout).topics.keys():
        if time.monotonic() > deadline:
            raise InfraError(f"Kafka still lists deleted topics after {timeout:.0f} s: {sorted(listed)}")
        time.sleep(0.1)

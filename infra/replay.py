"""Reset processors so that they rebuild their state and outputs from offset zero of their input topics.

A processor's progress lives in three places: its consumer group's committed offsets, its local RocksDB
state (under the state dir) and the framework's internal topics (`changelog__<group>--…` restores state,
`repartition__<group>--…` carries re-keyed records). Removing all three makes the next `crm run` start as
if for the first time: `auto_offset_reset=earliest` re-reads every input, and the sinks' idempotent upserts
rewrite the tables. The processors must be stopped first (a group with live members cannot be deleted).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable

from confluent_kafka import KafkaException

from crm.errors import CrmError
from crm.settings import Settings
from infra.kafka_topics import delete_topics, existing_topics
from processors.common.app import consumer_group, state_path
from topics.clients import make_admin


def internal_topics(settings: Settings, processor: str) -> list[str]:
    group = consumer_group(settings, processor)
    prefixes = (f"changelog__{group}--", f"repartition__{group}--")
    return sorted(t for t in existing_topics(settings) if t.startswith(prefixes))


def reset_processors(settings: Settings, processors: Iterable[str], timeout: float = 30.0) -> None:
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

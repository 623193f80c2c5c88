"""The application factory and the state access every processor shares.

Every processor is a Quix Streams ``Application`` with exactly-once processing, RocksDB state under the
state dir, and topics from the registry behind the settings' namespace.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quixstreams import Application, message_context

from topics import physical_name

if TYPE_CHECKING:
    from quixstreams.dataframe import StreamingDataFrame
    from quixstreams.models import Topic

    from crm.settings import Settings


def consumer_group(settings: Settings, name: str) -> str:
    """Processor ``name``'s consumer group (its committed offsets; `crm replay` resets them)."""
    return f"{settings.namespace}crm-{name}"


def state_path(settings: Settings, name: str) -> Path:
    """Where processor ``name`` keeps its local state (RocksDB, restored from changelog topics if lost)."""
    return Path(settings.state_dir) / "processors" / f"{settings.namespace}{name}"


def make_application(settings: Settings, name: str, **overrides: Any) -> Application:
    options: dict[str, Any] = {
        "broker_address": settings.kafka_brokers,
        "consumer_group": consumer_group(settings, name),
        "processing_guarantee": "exactly-once",
        "auto_offset_reset": "earliest",  # a new processor or a replay starts from the first event
        "state_dir": str(state_path(settings, name)),
        # Sinks write and outputs become visible at each checkpoint, so these two bound a change's latency
        # at every hop: a checkpoint every CRM_PROCESSOR_COMMIT_INTERVAL seconds, and a poll that returns
        # within 0.1 s when idle so that a due checkpoint is not held back by a consumer waiting for the
        # next message (the default is 1 s).
        "commit_interval": settings.processor_commit_interval,
        "consumer_poll_timeout": 0.1,
        # A processor that died is noticed after 10 s (Kafka's default is 45 s), so a restarted one gets its
        # partitions back quickly.
        "consumer_extra_config": {"session.timeout.ms": 10_000, "heartbeat.interval.ms": 2_000},
        "loglevel": logging.getLevelName(logging.getLogger().level) if logging.getLogger().level else "INFO",
    }
    options.update(overrides)
    return Application(**options)


def registry_topic(app: Application, settings: Settings, name: str, *, value: str = "json") -> Topic:
    """A topic of the registry, by logical name: string keys, ``value`` the (de)serializer of values."""
    return app.topic(
        physical_name(name, settings),
        key_deserializer="str",
        key_serializer="str",
        value_deserializer=value,
        value_serializer=value,
    )


def partition_state_access(sdf: StreamingDataFrame):
    """A function ``prefix → State`` over the current message's partition store.

    Quix Streams scopes a stateful function's state to the message key. Ageing needs the whole partition
    (an index, the partition's business date), so this reaches the same store by any prefix; it mirrors
    what the framework's own stateful wrapper does, through the processing context (quixstreams is pinned).
    """
    sdf.register_store()

    def state_of_current_partition():
        transaction = sdf.processing_context.checkpoint.get_store_transaction(
            stream_id=sdf.stream_id, partition=message_context().partition
        )
        return lambda prefix: transaction.as_state(prefix=prefix)

    return state_of_current_partition


def without_time_alignment(app: Application) -> None:
    """Process merged topics in arrival order instead of aligning them by timestamp.

    `concat` of different topics turns on timestamp alignment, which waits while any merged partition is
    "not idle"; a partition written in transactions ends with a commit marker, so its consumer never looks
    idle and the whole stream stalls. The rules here do not depend on cross-topic order (payments before
    their loan are held, ticks are idempotent), so alignment buys nothing. (An internal flag: quixstreams
    is pinned.)
    """
    app._dataframe_registry._requires_time_alignment = False

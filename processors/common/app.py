"""The application factory and the state access every processor shares.

Every processor is a Quix Streams ``Application`` with exactly-once processing, RocksDB state under the
state dir, and topics from the registry behind the settings' namespace.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quixstreams import Application, message_context
from quixstreams.state.exceptions import InvalidStoreChangelogOffset, PartitionStoreIsUsed

from processors.common import framework_speedups
from processors.common.instance import transactional_id
from processors.common.metrics import LAG_INTERVAL_MS, PROCESSOR_UP, ProcessorMeter, describe_processor
from processors.common.poison import PoisonNet, Utf8Keys
from processors.common.sink_backpressure import flush_outputs_on_backpressure
from processors.common.topic_creation import wait_for_created_topics
from processors.common.transactions import fence_predecessor, settle_pending_offsets, watch_commits
from topics import physical_name

if TYPE_CHECKING:
    from confluent_kafka import TopicPartition
    from quixstreams.dataframe import StreamingDataFrame
    from quixstreams.models import Topic

    from crm.settings import Settings

log = logging.getLogger(__name__)


def describe_partitions(topic_partitions: Iterable[TopicPartition]) -> str:
    """Partitions for a log line, by topic: ``bank.loans[0,2] payments[0,2]``; the framework's changelog
    topics (their partitions follow the inputs') left out."""
    by_topic: dict[str, list[int]] = defaultdict(list)
    for tp in topic_partitions:
        if not tp.topic.startswith("changelog__"):
            by_topic[tp.topic].append(tp.partition)
    return " ".join(f"{topic}[{','.join(map(str, sorted(p)))}]" for topic, p in sorted(by_topic.items()))


def consumer_group(settings: Settings, name: str) -> str:
    """Processor ``name``'s consumer group (its committed offsets; `crm replay` resets them)."""
    return f"{settings.namespace}crm-{name}"


def state_path(settings: Settings, name: str) -> Path:
    """Where processor ``name`` keeps its local state (RocksDB, restored from changelog topics if lost)."""
    return Path(settings.state_dir) / "processors" / f"{settings.namespace}{name}"


@dataclass(frozen=True)
class Backlog:
    """Checkpoint spacing by lag. Each checkpoint costs a transaction commit and a sink write whatever it
    holds, so a processor working off a backlog (a bulk load, a replay, a restart) spaces them out to
    ``behind_s`` and spends its time on messages; once caught up it commits every ``current_s`` again,
    which bounds a change's latency at each hop. The lag is librdkafka's, every few seconds."""

    current_s: float
    behind_s: float
    messages: int = 5_000

    def interval(self, lag: int) -> float:
        return self.behind_s if lag >= self.messages else self.current_s


class MeteredApplication(Application):
    """An ``Application`` that counts and times each input message by topic, counts its outputs and reports
    its consumer lag (see `processors.common.metrics`).

    The framework dispatches each message through a ``{topic: process}`` dict built once per run; this wraps
    that dict once, so a message pays for two pre-bound metric updates and nothing else. (An internal hook,
    like `without_time_alignment`: quixstreams is pinned.)
    """

    def __init__(self, *, meter: ProcessorMeter, backlog: Backlog | None = None, **options: Any) -> None:
        extra = dict(options.pop("consumer_extra_config", None) or {})
        extra.setdefault("statistics.interval.ms", LAG_INTERVAL_MS)
        extra["stats_cb"] = meter.on_statistics
        self.meter = meter
        # values the processor's code cannot take are dead-lettered or skipped (processors.common.poison)
        self.poison = PoisonNet(meter.processor, meter.namespace)
        super().__init__(
            consumer_extra_config=extra,
            on_consumer_error=self.poison.on_consumer_error,
            on_processing_error=self.poison.on_processing_error,
            **options,
        )
        self.poison.producer = self._producer
        meter.count_outputs(self._producer)
        self._composed: tuple[Any, dict] = (None, {})
        interval = options.get("commit_interval", 5.0)  # the framework's default
        self.backlog = backlog or Backlog(interval, interval)

    def _process_message(self, dataframe_composed):
        if self._composed[0] is not dataframe_composed:
            self._composed = (dataframe_composed, self.meter.timed(dataframe_composed))
        super()._process_message(self._composed[1])
        if self.poison.unreadable is not None:  # committed past, as a processed message would be
            topic, partition, offset = self.poison.unreadable
            self.poison.unreadable = None
            self._processing_context.store_offset(topic=topic, partition=partition, offset=offset)
        # The open checkpoint's deadline follows the lag: see `Backlog`.
        self._processing_context.checkpoint._commit_interval = self.backlog.interval(self.meter.total_lag)

    # Which instance works which partitions, in its log: the framework says so only at debug level.
    def _on_assign(self, consumer, topic_partitions: list[TopicPartition]) -> None:
        super()._on_assign(consumer, topic_partitions)
        if topic_partitions:
            log.info("partitions assigned", extra={"partitions": describe_partitions(topic_partitions)})

    def _on_revoke(self, consumer, topic_partitions: list[TopicPartition]) -> None:
        if topic_partitions:
            log.info("partitions revoked", extra={"partitions": describe_partitions(topic_partitions)})
        super()._on_revoke(consumer, topic_partitions)

    def _on_lost(self, consumer, topic_partitions: list[TopicPartition]) -> None:
        if topic_partitions:
            log.warning("partitions lost", extra={"partitions": describe_partitions(topic_partitions)})
        super()._on_lost(consumer, topic_partitions)

    def run(self, *args: Any, **kwargs: Any) -> list[dict]:
        up = PROCESSOR_UP.labels(self.meter.processor)
        up.set(1)
        try:
            return super().run(*args, **kwargs)
        except InvalidStoreChangelogOffset:
            self._clear_state_ahead_of_changelog()
            raise
        finally:
            up.set(0)

    def _clear_state_ahead_of_changelog(self) -> None:
        """The local state claims changelog offsets its changelog does not hold: it keeps changes no
        committed transaction made (seen once after a broker restart), or its changelog was deleted. Under
        exactly-once the changelog and the committed offsets are the truth, so the local state is removed
        and the next start (the supervisor's restart) rebuilds it from the changelog, as it would on a new
        machine. The framework would otherwise fail the same way at every start until someone removed it."""
        try:
            self.clear_state()
        except PartitionStoreIsUsed:  # still assigned: the next start meets the same state and tries again
            log.exception("the local state is ahead of its changelog and could not be removed now")
            return
        log.error(
            "the local state was ahead of its changelog: removed; the next start restores it from there",
            extra={"state_dir": str(self._state_manager._state_dir)},
        )


def _version() -> str:
    try:
        return version("collections-crm")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


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
    # a restarted instance fences its killed predecessor's open transaction (processors.common.instance)
    producer_config = dict(options.get("producer_extra_config") or {})
    producer_config.setdefault("transactional.id", transactional_id(options["consumer_group"]))
    options["producer_extra_config"] = producer_config
    describe_processor(name, options["consumer_group"], Path(options["state_dir"]), _version())
    backlog = Backlog(
        options["commit_interval"],
        max(options["commit_interval"], settings.processor_backlog_commit_interval),
        settings.processor_backlog_messages,
    )
    app = MeteredApplication(meter=ProcessorMeter(name, settings.namespace), backlog=backlog, **options)
    wait_for_created_topics(app)  # a busy broker may not show a topic it just created
    framework_speedups.install()
    fence_predecessor(app)  # before the consumer asks for its committed offsets
    watch_commits(app)  # a commit stuck after a broker restart ends in a restart, not a stall
    # nothing of this instance's left pending in the group, or the offsets' fetch would never answer
    settle_pending_offsets(app, physical_name("ops.business-date", settings))
    flush_outputs_on_backpressure(app)  # a sink's backpressure must not abort a transaction mid-send
    return app


def registry_topic(app: Application, settings: Settings, name: str, *, value: str = "json") -> Topic:
    """A topic of the registry, by logical name: string keys, ``value`` the (de)serializer of values."""
    return app.topic(
        physical_name(name, settings),
        key_deserializer=Utf8Keys(),
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


def named_stream(sdf: StreamingDataFrame, stream_id: str) -> StreamingDataFrame:
    """The (merged) stream under an id of one's choosing.

    The framework names a merged stream (and so its state's changelog topic) after all its topics joined:
    seven namespaced names overflow Kafka's 249-character limit once the namespace is longer than about a
    dozen characters, and a topic merged into a stream later would rename its store, losing the state. The
    clone runs the same stream; its id names the store and the changelog instead. (An internal hook, like
    `without_time_alignment`: quixstreams is pinned.)
    """
    return sdf.__dataframe_clone__(stream=sdf.stream, stream_id=stream_id)


def without_time_alignment(app: Application) -> None:
    """Process merged topics in arrival order instead of aligning them by timestamp.

    `concat` of different topics turns on timestamp alignment, which waits while any merged partition is
    "not idle"; a partition written in transactions ends with a commit marker, so its consumer never looks
    idle and the whole stream stalls. The rules here do not depend on cross-topic order (payments before
    their loan are held, ticks are idempotent), so alignment buys nothing. (An internal flag: quixstreams
    is pinned.)
    """
    app._dataframe_registry._requires_time_alignment = False

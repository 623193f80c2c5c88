"""Producing to Kafka with a confirmed delivery, for the API's writes and for the command line.

A write that must not be half-applied produces inside its database transaction and commits only after
:func:`deliver` returns. The producer gives up on a message after ``delivery_timeout_s``
(``message.timeout.ms``) and :func:`deliver` waits a little longer than that for the verdict, so a message
reported failed can never be delivered later, after the transaction was rolled back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from concurrent import futures
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import orjson
from confluent_kafka import KafkaError, KafkaException

from api.errors import ServiceUnavailable
from contracts.admin import ReevaluationAccepted
from processors.common.partitioning import broadcast_keys
from topics import physical_name
from topics.clients import make_producer

if TYPE_CHECKING:
    from confluent_kafka import Message, Producer

    from contracts.agents import AgentConfig
    from contracts.strategies import StrategyConfig
    from crm.settings import Settings

log = logging.getLogger(__name__)
DELIVERY_TIMEOUT_S = 10.0
_VERDICT_GRACE_S = 5.0  # librdkafka reports a timed-out message shortly after message.timeout.ms
REEVALUATE_TOPIC = "strategy.reevaluate"
REEVALUATE_KEY_PREFIX = "reevaluate-"


class PublishFailed(ServiceUnavailable):
    """Kafka did not confirm a message; the caller's change must be rolled back."""


@dataclass(frozen=True)
class Outgoing:
    topic: str  # the logical name (topics.registry); the namespace is added when producing
    key: str
    value: bytes


def make_api_producer(settings: Settings, delivery_timeout_s: float = DELIVERY_TIMEOUT_S) -> Producer:
    # A short linger: these are single messages someone is waiting for, not a bulk load.
    return make_producer(settings, **{"message.timeout.ms": int(delivery_timeout_s * 1000), "linger.ms": 5})


def _settle(future: Future, error: KafkaError | None, _message: Message) -> None:
    future.set_result(error)


Pending = list[tuple[Outgoing, Future]]  # each message with the future its delivery report settles


def _produce(producer: Producer, settings: Settings, messages: Sequence[Outgoing]) -> Pending:
    pending: Pending = []
    try:
        for message in messages:
            future: Future = Future()
            producer.produce(
                physical_name(message.topic, settings),
                key=message.key.encode(),
                value=message.value,
                on_delivery=partial(_settle, future),
            )
            pending.append((message, future))
    except (BufferError, KafkaException) as error:
        raise PublishFailed(f"Kafka did not accept the message: {error}; nothing was changed") from None
    return pending


def _judge(settings: Settings, pending: Pending, delivery_timeout_s: float) -> None:
    """Raise PublishFailed naming the first message Kafka did not confirm (no report yet counts as one)."""
    for message, future in pending:
        if not future.done():
            raise PublishFailed(
                f"Kafka ({settings.kafka_brokers}) did not confirm the message to {message.topic} "
                f"within {delivery_timeout_s:g} s; nothing was changed"
            )
        error = future.result()
        if error is not None:
            raise PublishFailed(
                f"Kafka ({settings.kafka_brokers}) did not take the message to {message.topic}: "
                f"{error.str()}; nothing was changed"
            )


def deliver(
    producer: Producer,
    settings: Settings,
    messages: Sequence[Outgoing],
    delivery_timeout_s: float = DELIVERY_TIMEOUT_S,
) -> None:
    """Produce and wait until Kafka confirms every message, serving the producer's delivery reports on this
    thread (a command's one producer); raises PublishFailed naming the first failure.

    ``delivery_timeout_s`` must be the producer's ``message.timeout.ms`` (see :func:`make_api_producer`).
    """
    pending = _produce(producer, settings, messages)
    deadline = time.monotonic() + delivery_timeout_s + _VERDICT_GRACE_S
    while not all(future.done() for _, future in pending) and time.monotonic() < deadline:
        producer.poll(0.05)
    _judge(settings, pending, delivery_timeout_s)


class DeliveryReports:
    """Serves a shared producer's delivery reports on a thread of its own, while requests wait for their
    own messages' futures. Each request polling for itself made it wait for its poll to time out (50 ms)
    whenever another thread's poll had served its report; it also needed a thread per waiting request."""

    POLL_S = 0.1  # how soon the thread notices it was asked to stop

    def __init__(self, producer: Producer) -> None:
        self._producer = producer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="kafka-delivery-reports", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                self._producer.poll(self.POLL_S)
            except Exception:  # noqa: BLE001 - the thread must outlive any one report: writes wait on it
                log.exception("serving Kafka delivery reports failed; serving on")
                self._stop.wait(self.POLL_S)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def strategy_message(config: StrategyConfig) -> Outgoing:
    return Outgoing("config.strategies", config.strategy_id, config.model_dump_json().encode())


def agent_message(config: AgentConfig) -> Outgoing:
    return Outgoing("config.agents", config.agent_id, config.model_dump_json().encode())


def reevaluation_messages(
    settings: Settings, strategy_id: str, version: int, requested_at: datetime
) -> list[Outgoing]:
    """One request per partition, each keyed to land on its partition (the processor's state is there)."""
    return [
        Outgoing(
            REEVALUATE_TOPIC,
            key,
            orjson.dumps(
                {
                    "strategy_id": strategy_id,
                    "version": version,
                    "requested_at": requested_at.isoformat(),
                    "partition_key": key,
                }
            ),
        )
        for key in broadcast_keys(REEVALUATE_KEY_PREFIX, settings.topic_partitions)
    ]


def request_reevaluation(
    producer: Producer,
    settings: Settings,
    strategy_id: str,
    version: int,
    delivery_timeout_s: float = DELIVERY_TIMEOUT_S,
) -> ReevaluationAccepted:
    """Ask the strategy processor to re-evaluate every customer under ``version`` (or a later one).

    A partial failure (some partitions confirmed) raises PublishFailed; repeating the request is harmless.
    """
    return Publisher(producer, settings, delivery_timeout_s).request_reevaluation(strategy_id, version)


@dataclass(frozen=True)
class Publisher:
    """The API's producer with the settings and timeout it was made with. With ``reports`` (the API's
    case) a thread serves the delivery reports and callers wait on their messages' futures, blocking
    (:meth:`publish`) or on the event loop (:meth:`publish_async`); without, :meth:`publish` polls itself."""

    producer: Producer
    settings: Settings
    delivery_timeout_s: float = DELIVERY_TIMEOUT_S
    reports: DeliveryReports | None = None

    def publish(self, messages: Sequence[Outgoing]) -> None:
        if self.reports is None:
            deliver(self.producer, self.settings, messages, self.delivery_timeout_s)
            return
        pending = _produce(self.producer, self.settings, messages)
        futures.wait([future for _, future in pending], self.delivery_timeout_s + _VERDICT_GRACE_S)
        _judge(self.settings, pending, self.delivery_timeout_s)

    async def publish_async(self, messages: Sequence[Outgoing]) -> None:
        """:meth:`publish` without blocking the event loop (needs ``reports``)."""
        assert self.reports is not None, "publish_async needs a thread serving the delivery reports"
        pending = _produce(self.producer, self.settings, messages)
        waiting = [asyncio.wrap_future(future) for _, future in pending]
        await asyncio.wait(waiting, timeout=self.delivery_timeout_s + _VERDICT_GRACE_S)
        _judge(self.settings, pending, self.delivery_timeout_s)

    def request_reevaluation(self, strategy_id: str, version: int) -> ReevaluationAccepted:
        """See the module's :func:`request_reevaluation`."""
        requested_at = datetime.now(UTC)
        messages = reevaluation_messages(self.settings, strategy_id, version, requested_at)
        self.publish(messages)
        return ReevaluationAccepted(
            strategy_id=strategy_id, version=version, partitions=len(messages), requested_at=requested_at
        )

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop serving reports and send what is queued (up to ``timeout_s``)."""
        if self.reports is not None:
            self.reports.close()
        self.producer.flush(timeout_s)

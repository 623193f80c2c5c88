"""`api.publishing.Publisher` with its delivery-report thread, as the API runs it, against real Kafka:
many writes waiting at once, each on its own messages, on the event loop and on worker threads."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.publishing import DeliveryReports, Outgoing, Publisher, PublishFailed, make_api_producer
from tests.kafka_helpers import read_all
from topics import physical_name

pytestmark = [pytest.mark.integration]


def _publisher(settings, delivery_timeout_s: float = 10.0) -> Publisher:
    producer = make_api_producer(settings, delivery_timeout_s)
    return Publisher(producer, settings, delivery_timeout_s, DeliveryReports(producer))


def _message(n: int) -> Outgoing:
    return Outgoing("agent.actions", f"PUB-{n}", f'{{"n": {n}}}'.encode())


def test_concurrent_writes_each_wait_for_their_own_confirmation_on_the_loop_and_on_threads(initialized):
    publisher = _publisher(initialized)

    async def on_the_loop() -> None:
        await asyncio.gather(*(publisher.publish_async([_message(n)]) for n in range(40)))

    try:
        asyncio.run(on_the_loop())
        with ThreadPoolExecutor(8) as threads:
            list(threads.map(lambda n: publisher.publish([_message(n)]), range(40, 80)))
    finally:
        publisher.close()
    assert not publisher.reports._thread.is_alive()  # closing stops the thread
    topic = physical_name("agent.actions", initialized)
    keys = {key for key, _ in read_all(initialized.kafka_brokers, topic, timeout=30, idle=2)}
    assert {f"PUB-{n}".encode() for n in range(80)} <= keys


def test_an_unreachable_kafka_fails_each_waiting_write(initialized):
    publisher = _publisher(initialized.model_copy(update={"kafka_brokers": "127.0.0.1:1"}), 1.0)

    async def both() -> list:
        return await asyncio.gather(
            publisher.publish_async([_message(1)]),
            publisher.publish_async([_message(2)]),
            return_exceptions=True,
        )

    try:
        failures = asyncio.run(both())
        with pytest.raises(PublishFailed, match=r"Kafka \(127.0.0.1:1\) did not"):
            publisher.publish([_message(3)])
    finally:
        publisher.close(timeout_s=0)
    assert [type(failure) for failure in failures] == [PublishFailed, PublishFailed]
    assert all("nothing was changed" in str(failure) for failure in failures)

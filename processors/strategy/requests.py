"""Asking the strategy processor to re-evaluate everybody: one request per partition of its inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from crm.settings import Settings
from processors.common.partitioning import broadcast_keys
from topics import physical_name

KEY_PREFIX = "reevaluate-"


def request_reevaluation(
    producer, settings: Settings, strategy_id: str, version: int, timeout: float = 10.0
) -> int:
    """Produce the requests and wait for their delivery; returns how many were written (one per partition).

    Raises RuntimeError when Kafka did not take them all within ``timeout`` seconds.
    """
    topic = physical_name("strategy.reevaluate", settings)
    requested_at = datetime.now(UTC).isoformat()  # when it was asked, for the record; never a business clock
    failures: list[str] = []
    keys = broadcast_keys(KEY_PREFIX, settings.topic_partitions)
    for key in keys:
        value = {
            "strategy_id": strategy_id,
            "version": version,
            "requested_at": requested_at,
            "partition_key": key,
        }
        producer.produce(
            topic,
            orjson.dumps(value),
            key.encode(),
            on_delivery=lambda error, _msg: failures.append(str(error)) if error else None,
        )
    left = producer.flush(timeout)
    if left or failures:
        raise RuntimeError(
            f"Kafka did not accept the re-evaluation requests: {failures[:1] or f'{left} pending'}"
        )
    return len(keys)

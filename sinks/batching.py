"""The base of every batching sink here: one batch per checkpoint, in processing order, and backpressure
with a growing, jittered delay while the destination is away.

Quix Streams keeps one batch per *input* topic-partition and writes them in the order it first met them,
not in the order the records were made. A processor that merges topics (strategy: delinquency, promises,
customers, actions) can emit two records for one key from two input topics within one checkpoint; written
per input topic, the older one could land last and stay, with nothing newer to correct it. A single batch
in processing order makes "the last record of a key wins" true, whatever topics the records came from,
and it is one write per checkpoint instead of one per input partition.
"""

from __future__ import annotations

import logging
import random

from quixstreams.sinks import BatchingSink, SinkBackpressureError

from sinks.metrics import count_retry

ONE_BATCH = "checkpoint"  # the topic name of the one batch every input topic-partition's records go to
MAX_DELAY_S = 30.0
STORE_NAMES = {"postgres": "PostgreSQL", "redis": "Redis", "elasticsearch": "Elasticsearch"}


class OrderedBatchingSink(BatchingSink):
    """A `BatchingSink` whose ``write`` gets one batch per checkpoint, its records in processing order.

    Subclasses call :meth:`back_off` when the destination is unavailable and :meth:`recovered` after a
    write that succeeded.
    """

    def __init__(self) -> None:
        super().__init__()
        self._failures = 0

    def add(self, value, key, timestamp, headers, topic, partition, offset) -> None:
        super().add(value, key, timestamp, headers, ONE_BATCH, 0, offset)

    def back_off(self, store: str, target: str, error: Exception, **context) -> SinkBackpressureError:
        """Count and log a failed write; the error to raise, asking the framework to pause for a delay that
        doubles with each failure in a row (up to 30 s), jittered so restarted sinks do not retry in step."""
        count_retry(store, target)
        self._failures += 1
        delay = min(MAX_DELAY_S, 2 ** min(self._failures, 5)) * random.uniform(0.5, 1.0)
        logging.getLogger(type(self).__module__).warning(
            f"{STORE_NAMES[store]} unavailable, retrying",
            extra={**context, "retry_in_s": delay, "error": str(error)},
        )
        return SinkBackpressureError(retry_after=delay)

    def recovered(self) -> None:
        self._failures = 0

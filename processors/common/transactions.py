"""Two corrections to how the framework drives a processor's transactional Kafka producer, both found by the
broker-restart fault test (tests/faults/test_kafka_restart.py). Internal hooks: quixstreams is pinned.

- **Fence first.** The framework creates its producer lazily, at the first checkpoint, but a restarted
  instance first fetches its committed offsets while being assigned its partitions, and the group
  coordinator answers that fetch only once the dead instance's pending offset commit is resolved: at the
  transaction timeout or, after a broker restart, sometimes not for minutes. Starting the producer before the
  consumer joins calls ``init_transactions`` at once, which fences the earlier instance with the same id
  (`processors.common.instance`) and aborts or completes the transaction it left open.
- **Never hang in a commit.** After a broker restart librdkafka (2.12) can wait forever in
  ``send_offsets_to_transaction``, whatever its timeout (librdkafka issues 5456 and 5511: the coordinator
  request is never retried): the processor stays alive, out of its group, committing nothing, and the
  pipeline behind it stalls. A watchdog ends the process when a commit call has not returned after
  ``COMMIT_STUCK_S``, which is what a SIGKILL does (the tested case: the uncommitted checkpoint is redone),
  and its supervisor (`crm run`) starts it again: it fences the stuck transaction and resumes.
- **Settle the group's pending offsets.** After a broker restart the group coordinator can keep an offset
  commit of this instance's transactional id pending although the transaction coordinator has finished
  that transaction (its marker never reached the group): ``init_transactions`` finds nothing to abort, and
  every fetch of committed offsets that must be stable (``read_committed``) times out, start after start,
  for good. Seen in the fault test: the strategy processor exited every 45 s for minutes, while a fetch
  that need not be stable answered at once. So at start, after fencing, the instance opens a transaction
  that carries the group's offsets and aborts it: the abort's marker reaches the group's offsets partition
  and ends whatever this producer id left pending there. Nothing is committed; a normal start pays one
  small transaction. (Should that stale commit have been a committed one, the inputs of its one checkpoint
  are read again: the sinks are idempotent and downstream ignores what it has seen.)
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from confluent_kafka import TopicPartition

if TYPE_CHECKING:
    from quixstreams import Application

log = logging.getLogger(__name__)
# A healthy commit takes milliseconds, a loaded one seconds; the broker aborts a transaction open longer than
# librdkafka's transaction.timeout.ms (60 s), after which the commit cannot succeed anyway.
COMMIT_STUCK_S = 90.0
EXIT_COMMIT_STUCK = 75  # EX_TEMPFAIL: try again
SETTLE_TIMEOUT_S = 30.0


def fence_predecessor(app: Application) -> None:
    """Start ``app``'s transactional producer now (see the module's header)."""
    producer = app._producer._producer  # InternalProducer → Producer
    producer._producer  # noqa: B018 the property creates the client and calls init_transactions


def settle_pending_offsets(app: Application, topic: str, timeout_s: float = SETTLE_TIMEOUT_S) -> None:
    """An aborted transaction carrying ``app``'s group offsets (for ``topic``, any existing topic: the
    marker goes to the group's partition), so nothing of this producer id stays pending there (see the
    module's header). Call it after `fence_predecessor` and `watch_commits` (its send can hang too), before
    the consumer fetches its offsets."""
    producer = app._producer._producer
    metadata = app._consumer.consumer_group_metadata()
    producer.begin_transaction()
    try:
        producer.send_offsets_to_transaction([TopicPartition(topic, 0, 0)], metadata, timeout_s)
    finally:
        producer.abort_transaction(timeout_s)


def _exit_stuck(call: str, seconds: float) -> None:
    log.critical(
        "Kafka commit stuck: exiting so that the supervisor starts this processor again",
        extra={"call": call, "seconds": round(seconds, 1)},
    )
    logging.shutdown()
    sys.stderr.flush()
    os._exit(EXIT_COMMIT_STUCK)  # the main thread is the one stuck: nothing else would ever run


class CommitWatchdog:
    """Times the calls made through `watch`; ``on_stuck(call, seconds)`` when one outlasts ``limit_s``."""

    def __init__(
        self,
        limit_s: float = COMMIT_STUCK_S,
        on_stuck: Callable[[str, float], None] = _exit_stuck,
        tick_s: float = 1.0,
    ) -> None:
        self.limit_s, self.on_stuck, self.tick_s = limit_s, on_stuck, tick_s
        self._current: tuple[str, float] | None = None  # (call, started)
        self._thread: threading.Thread | None = None

    def watch(self, name: str, call: Callable) -> Callable:
        def watched(*args, **kwargs):
            self._start_thread()
            self._current = (name, time.monotonic())
            try:
                return call(*args, **kwargs)
            finally:
                self._current = None

        return watched

    def _start_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="commit-watchdog", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        while True:
            time.sleep(self.tick_s)
            current = self._current
            if current is not None and time.monotonic() - current[1] > self.limit_s:
                self.on_stuck(current[0], time.monotonic() - current[1])
                return


def watch_commits(app: Application, watchdog: CommitWatchdog | None = None) -> CommitWatchdog:
    """Put the producer's commit calls under a watchdog (see the module's header)."""
    watchdog = watchdog or CommitWatchdog()
    producer = app._producer._producer
    for name in ("send_offsets_to_transaction", "commit_transaction"):
        setattr(producer, name, watchdog.watch(name, getattr(producer, name)))
    return watchdog

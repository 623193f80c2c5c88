"""The corrections to the framework's transactional producer (`processors.common.transactions`), on a stand-in
for the application: the real failure they answer (a broker restart) is the fault suite's business."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest

from processors.common.transactions import (
    EXIT_COMMIT_STUCK,
    CommitWatchdog,
    fence_predecessor,
    settle_pending_offsets,
    watch_commits,
)


class RecordingProducer:
    """The framework's ``Producer`` as far as the corrections touch it."""

    def __init__(self, commit_takes_s: float = 0.0) -> None:
        self.calls: list[tuple] = []
        self.commit_takes_s = commit_takes_s

    @property
    def _producer(self):
        self.calls.append(("init_transactions",))
        return object()

    def send_offsets_to_transaction(self, positions, group_metadata, timeout=None):
        self.calls.append(("send_offsets", positions, group_metadata, timeout))

    def commit_transaction(self, timeout=None):
        time.sleep(self.commit_takes_s)
        self.calls.append(("commit", timeout))

    def begin_transaction(self):
        self.calls.append(("begin",))

    def abort_transaction(self, timeout=None):
        self.calls.append(("abort", timeout))


def _app(producer: RecordingProducer):
    consumer = SimpleNamespace(consumer_group_metadata=lambda: "group-metadata")
    return SimpleNamespace(_producer=SimpleNamespace(_producer=producer), _consumer=consumer)


def _watchdog(stuck: list) -> CommitWatchdog:
    def report(call: str, seconds: float) -> None:
        stuck.append((call, seconds))

    return CommitWatchdog(limit_s=0.3, on_stuck=report, tick_s=0.02)


def test_the_producer_starts_and_fences_before_the_first_checkpoint():
    producer = RecordingProducer()
    fence_predecessor(_app(producer))
    assert producer.calls == [("init_transactions",)]


def test_settling_sends_the_groups_offsets_in_a_transaction_and_aborts_it():
    producer = RecordingProducer()
    settle_pending_offsets(_app(producer), "ns.ops.business-date", timeout_s=7)
    [begin, (send, [position], metadata, timeout), abort] = producer.calls
    assert (begin, send, metadata, timeout, abort) == (
        ("begin",),
        "send_offsets",
        "group-metadata",
        7,
        ("abort", 7),
    )
    assert (position.topic, position.partition) == ("ns.ops.business-date", 0)


def test_settling_aborts_even_when_the_offsets_could_not_be_sent():
    class Refusing(RecordingProducer):
        def send_offsets_to_transaction(self, positions, group_metadata, timeout=None):
            raise RuntimeError("coordinator not available")

    producer = Refusing()
    with pytest.raises(RuntimeError):
        settle_pending_offsets(_app(producer), "topic")
    assert producer.calls == [("begin",), ("abort", 30.0)]


def test_watched_commit_calls_pass_their_arguments_and_quick_ones_are_left_alone():
    producer, stuck = RecordingProducer(), []
    watch_commits(_app(producer), _watchdog(stuck))
    producer.send_offsets_to_transaction(["p"], "meta", None)
    producer.commit_transaction(5.0)
    time.sleep(0.5)  # longer than the limit, but no call is in progress
    assert producer.calls == [("send_offsets", ["p"], "meta", None), ("commit", 5.0)]
    assert stuck == []


def test_a_commit_call_that_does_not_return_in_time_is_reported_once():
    producer, stuck = RecordingProducer(commit_takes_s=0.8), []
    watch_commits(_app(producer), _watchdog(stuck))
    caller = threading.Thread(target=producer.commit_transaction)
    caller.start()
    caller.join()
    time.sleep(0.1)
    assert [call for call, _ in stuck] == ["commit_transaction"]
    assert 0.3 < stuck[0][1] < 0.8


def test_by_default_a_stuck_commit_ends_the_process_for_its_supervisor_to_restart():
    script = (
        "import logging, time\n"
        "from processors.common.transactions import CommitWatchdog\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "CommitWatchdog(limit_s=0.2, tick_s=0.05).watch('send_offsets_to_transaction', time.sleep)(30)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20)
    assert done.returncode == EXIT_COMMIT_STUCK, done.stderr
    assert "Kafka commit stuck" in done.stderr
    assert time.monotonic() - started < 15

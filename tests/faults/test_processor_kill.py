"""SIGKILL of processors mid-stream, then a restart: exactly-once state and outputs, idempotent sinks, so
the database, the index and the queues end as an uninterrupted run's, nothing lost and nothing doubled."""

from __future__ import annotations

import time

import pytest

from tests.kafka_helpers import message_count
from tests.pipeline_helpers import wait_transactions_closed
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]
# The stateful processors with an external sink, killed together as a machine that lost power would.
KILLED = ("delinquency", "promises", "strategy", "allocation", "queues")


def test_processors_killed_mid_stream_and_restarted_end_as_an_uninterrupted_run(
    pipeline_in_namespace, reference
):
    with pipeline_in_namespace("kill") as pipeline:
        pipeline.ingest(1)
        pipeline.start()
        pipeline.settle()
        payments_out = physical_name("delinquency.payments", pipeline.settings)
        loans_out = physical_name("delinquency.loans", pipeline.settings)
        brokers = pipeline.settings.kafka_brokers
        pipeline.ingest(2)
        deadline = time.monotonic() + 60
        while message_count(brokers, payments_out) == 0:  # phase 2 has begun
            assert time.monotonic() < deadline, "the delinquency processor did not start on phase 2"
            time.sleep(0.05)
        for name in KILLED:
            pipeline.kill(name)
        written_at_kill = message_count(brokers, loans_out)  # offsets: aborted records count too
        pipeline.start(*KILLED)
        # The killed processes' open transactions hold every reader of their outputs back until the broker
        # aborts them (transaction timeout, 60 s); only then can the lag probes be believed.
        wait_transactions_closed(pipeline.settings)
        pipeline.finish()
        assert message_count(brokers, loans_out) > written_at_kill, "killed after the work was done"
        differences = pipeline.snapshot().differences(reference)
        assert not differences, "\n".join(differences)

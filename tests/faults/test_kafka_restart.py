"""The Kafka broker restarts while the processors work: their clients reconnect (or, when the outage outlasted
their group session, they exit and their supervisor restarts them), the transactions that were open are
aborted and redone, and the results equal an uninterrupted run's.

This stops the one broker of the local stack (`crm stack`), which every user of the machine shares: the
outage is kept short and happens once. Where the broker is not the stack's own process (an address from
the environment, a container), the test is skipped: it cannot restart it.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from crm.settings import Settings
from infra.stack.kafka import Kafka

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_broker_restart_mid_stream_loses_and_doubles_nothing(
    pipeline_in_namespace, reference, service_addresses
):
    stack = Settings(kafka_brokers=service_addresses["kafka_brokers"])
    if Kafka(stack).pid() is None:
        pytest.skip("the broker is not a process of the local stack (`crm stack up`)")
    with pipeline_in_namespace("kafka") as pipeline:
        pipeline.probe_in_child = True  # no Kafka client in this process while the broker restarts
        pipeline.ingest(1)
        pipeline.start()
        pipeline.settle()
        pipeline.ingest(2)
        stopped = time.monotonic()
        for command in ("down", "up"):  # as an operator would, and from a child process (see above)
            crm = [sys.executable, "-m", "crm", "stack", command, "--only", "kafka"]
            subprocess.run(crm, env=pipeline.env, check=True, timeout=180)
        outage = time.monotonic() - stopped
        print(f"broker away for {outage:.1f} s")
        # A processor whose group membership expired during the outage (longer than the 10 s session
        # timeout) fails its transactional commit and exits; its supervisor starts it again and it resumes
        # from its committed offsets.
        pipeline.finish(timeout=300, supervised=True)
        differences = pipeline.snapshot().differences(reference)
        assert not differences, "\n".join(differences)

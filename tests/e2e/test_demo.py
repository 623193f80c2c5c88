from __future__ import annotations

import subprocess
import sys

import pytest

from tests.kafka_helpers import message_count
from topics import physical_name

pytestmark = pytest.mark.integration


def test_demo_initialises_generates_and_ingests_once(settings, cli_env, run_id):
    env = {**cli_env, "CRM_NAMESPACE": f"d{run_id}."}
    command = [sys.executable, "-m", "crm", "demo", "--customers", "200", "--seed", "5", "--no-stack"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "bank.customers: 200 produced, 0 rejected" in first.stderr
    demo_settings = settings.model_copy(update={"namespace": f"d{run_id}."})
    customers_topic = physical_name("bank.customers", demo_settings)
    assert message_count(settings.kafka_brokers, customers_topic) == 200

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "already in this Kafka cluster" in second.stderr
    assert "reusing" in second.stderr
    assert message_count(settings.kafka_brokers, customers_topic) == 200

    from infra.kafka_topics import delete_topics, existing_topics
    from infra.search_indices import delete_indices

    delete_topics(demo_settings, [t for t in existing_topics(demo_settings) if t.startswith(f"d{run_id}.")])
    delete_indices(demo_settings)

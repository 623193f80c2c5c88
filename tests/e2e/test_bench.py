"""`crm bench` as a person runs it: a small portfolio through every processor, and a result that adds up."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CUSTOMERS = 2000
SINKS = ("postgresql", "elasticsearch", "redis")


@pytest.fixture
def bench_env(service_addresses: dict[str, str], tmp_path) -> dict[str, str]:
    """The services' plain addresses (the bench makes its own namespace and schema), a state dir of its own
    (portfolio, processor state, logs) and two partitions to keep the machine's load small."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        CRM_KAFKA_BROKERS=service_addresses["kafka_brokers"],
        CRM_DATABASE_URL=service_addresses["database_url"],
        CRM_REDIS_URL=service_addresses["redis_url"],
        CRM_ELASTICSEARCH_URL=service_addresses["elasticsearch_url"],
        CRM_STATE_DIR=str(tmp_path / "state"),
        CRM_TOPIC_PARTITIONS="2",
    )
    return env


@pytest.mark.timeout(1200)
def test_bench_runs_every_stage_and_writes_sane_figures(bench_env, tmp_path):
    out = tmp_path / "result.json"
    command = [sys.executable, "-m", "crm", "bench", "--customers", str(CUSTOMERS), "--no-record"]
    command += ["--out", str(out), "--samples", "5", "--load-rate", "5"]
    run = subprocess.run(command, env=bench_env, capture_output=True, text=True, timeout=1150)
    assert run.returncode == 0, run.stderr[-4000:]
    result = orjson.loads(out.read_bytes())

    counts = result["portfolio"]["counts"]
    assert counts["bank.customers"] == CUSTOMERS
    assert result["machine"]["cores"] >= 1 and result["machine"]["cpu_model"]
    stages = result["stages"]
    assert set(stages) == {"generate", "ingest", "processing", "latency"}

    ingest = stages["ingest"]
    inbound = sum(n for topic, n in counts.items() if topic != "config.agents")
    assert ingest["events"] == inbound
    assert ingest["events_per_s"] > 0
    assert set(ingest["topics"]) == set(counts) - {"config.agents"}

    processing = stages["processing"]
    for name in SINKS:
        sink = processing["sinks"][name]
        assert sink["ok"], sink["checks"]
        assert 0 < sink["complete_s"] <= processing["idle_confirmed_s"] + 5
    assert processing["sinks"]["postgresql"]["figures"]["customers"] == CUSTOMERS
    assert processing["sinks"]["elasticsearch"]["figures"]["documents"] == CUSTOMERS
    assert processing["sinks"]["redis"]["figures"]["entries"] > 0
    slowest = max(processing["sinks"][name]["complete_s"] for name in SINKS)
    assert processing["every_sink_complete_s"] == slowest
    assert processing["events_per_s"] == pytest.approx(inbound / slowest, rel=0.01)

    processors = processing["processors"]
    assert set(processors) == {
        "entities", "delinquency", "rollup", "promises", "strategy", "allocation", "queues", "search"
    }  # fmt: skip
    for name, figures in processors.items():
        assert 30 < figures["peak_rss_mb"] < 4000, name
        assert figures["cpu_s"] > 0, name
        assert figures["offsets_consumed"] > 0, name
        assert 0 < figures["caught_up_s"] <= processing["idle_s"] <= processing["idle_confirmed_s"], name

    latency = stages["latency"]
    assert latency["samples"] >= 1, latency
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["max_ms"] < latency["timeout_s"] * 1000
    assert result["complete"] is True

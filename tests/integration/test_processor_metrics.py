"""A running processor's Prometheus endpoint: what it counts for a few loans, dates and one poison payment.

The processor runs as `crm run delinquency` with a state dir of its own (so its target file does not reach
the shared Prometheus) and with its metrics port taken by someone else, so it must fall back to a free
port and say where in its target file.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from crm.ingest import ingest_file
from processors.registry import PROCESSORS
from tests.services import initialized_namespace
from topics import physical_name
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
INPUTS = ("bank.loans", "payments", "ops.business-date", "delinquency.ticks")
LOAN_TABLES = "loan_delinquency,delinquency_transitions"
LOANS_PARTITION_0 = (("partition", "0"), ("processor", "delinquency"), ("topic", "bank.loans"))


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    from crm.generator import generate_portfolio

    out = tmp_path_factory.mktemp("metrics")
    generate_portfolio(out, 15, 5, workers=1, progress=False, days=3)
    return out


@pytest.fixture(scope="module")
def scraped(service_addresses, run_id, cli_env, portfolio, tmp_path_factory):
    """Metrics scraped once the processor has caught up, the target file it wrote, and what it left."""
    state_dir = tmp_path_factory.mktemp("metrics-state")
    with (
        initialized_namespace(service_addresses, f"m{run_id}", cli_env) as (settings, env),
        socket.socket() as taken,
    ):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        base = port - list(PROCESSORS).index("delinquency")
        env = {**env, "CRM_STATE_DIR": str(state_dir), "CRM_METRICS_PORT": str(base)}
        for topic in ("bank.loans", "ops.business-date"):
            assert ingest_file(settings, topic, portfolio / f"{topic}.jsonl").ok
        poison = Producer({"bootstrap.servers": settings.kafka_brokers})
        bad_payment = b'{"reference_number": "X", "amount": "lots"}'
        poison.produce(physical_name("payments", settings), bad_payment, b"L")
        poison.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "delinquency"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        targets = state_dir / "prometheus" / "targets"
        try:
            group = f"{settings.namespace}crm-delinquency"
            wait_caught_up(settings.kafka_brokers, group, [physical_name(t, settings) for t in INPUTS], 180)
            [target_file] = list(targets.glob("*.json"))
            [target] = orjson.loads(target_file.read_bytes())
            url = f"http://{target['targets'][0]}/metrics"
            metrics = _scrape_until(url, lambda m: m.get(("crm_consumer_lag", LOANS_PARTITION_0)) == 0)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output[-3000:]
        left = list(targets.glob("*"))
        yield {"metrics": metrics, "target": target, "port": port, "targets_left": left, "log": output}


def _scrape_until(url: str, ready, timeout: float = 30.0) -> dict:
    """Scrape until ``ready(metrics)`` (lag is reported every few seconds), else return the last scrape."""
    deadline = time.monotonic() + timeout
    while True:
        metrics = parse(httpx.get(url, timeout=5).text)
        if ready(metrics) or time.monotonic() > deadline:
            return metrics
        time.sleep(1)


def parse(text: str) -> dict[tuple[str, tuple], float]:
    """``{(sample name, sorted label pairs): value}`` of a scrape."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(metrics: dict, name: str, **labels: str) -> float | None:
    return metrics.get((name, tuple(sorted(labels.items()))))


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_a_taken_port_moves_the_endpoint_and_the_target_file_says_where(scraped):
    host, port = scraped["target"]["targets"][0].rsplit(":", 1)
    assert host == "localhost" and int(port) != scraped["port"]
    assert scraped["target"]["labels"]["processor"] == "delinquency"


def test_the_log_says_which_partitions_the_processor_was_given_and_gave_back(scraped):
    """The one instance gets every partition of its inputs (2 a topic, the business date's 1), and gives them
    back on a stop."""
    log = scraped["log"].splitlines()
    assigned = [line for line in log if "partitions assigned" in line]
    revoked = [line for line in log if "partitions revoked" in line]
    assert assigned and revoked, scraped["log"][-3000:]
    for line in (assigned[0], revoked[-1]):
        for topic in INPUTS:
            assert f"{topic}[0]" in line if topic == "ops.business-date" else f"{topic}[0,1]" in line, line
        assert "changelog__" not in line


def test_a_clean_stop_removes_the_target_file(scraped):
    assert scraped["targets_left"] == []


def test_events_in_and_out_are_counted_per_topic(scraped, portfolio):
    metrics = scraped["metrics"]
    loans, dates = lines(portfolio / "bank.loans.jsonl"), lines(portfolio / "ops.business-date.jsonl")
    partitions = 2  # the test settings' topic_partitions
    proc = {"processor": "delinquency"}
    assert value(metrics, "crm_processor_events_in_total", topic="bank.loans", **proc) == len(loans)
    assert value(metrics, "crm_processor_events_in_total", topic="payments", **proc) == 1
    assert value(metrics, "crm_processor_events_in_total", topic="ops.business-date", **proc) == len(dates)
    ticks = len(dates) * partitions
    assert value(metrics, "crm_processor_events_out_total", topic="delinquency.ticks", **proc) == ticks
    assert value(metrics, "crm_processor_events_in_total", topic="delinquency.ticks", **proc) == ticks
    assert value(metrics, "crm_processor_events_out_total", topic="delinquency.loans", **proc) > 0
    assert value(metrics, "crm_processor_events_out_total", topic="payments.dlq", **proc) == 1
    timed = value(metrics, "crm_processor_processing_seconds_count", topic="bank.loans", **proc)
    assert timed == len(loans)


def test_the_poison_payment_is_counted_as_a_dead_letter(scraped):
    labels = {"processor": "delinquency", "topic": "payments", "error_type": "ValidationError"}
    assert value(scraped["metrics"], "crm_dlq_messages_total", **labels) == 1


def test_the_business_date_is_the_latest_one_published(scraped, portfolio):
    latest = max(date.fromisoformat(d["date"]) for d in lines(portfolio / "ops.business-date.jsonl"))
    midnight = datetime(latest.year, latest.month, latest.day, tzinfo=UTC).timestamp()
    labels = {"processor": "delinquency", "bank": "MAIN"}
    assert value(scraped["metrics"], "crm_business_date_seconds", **labels) == midnight
    received = value(scraped["metrics"], "crm_business_date_received_timestamp_seconds", **labels)
    assert received == pytest.approx(time.time(), abs=600)


def test_sink_batches_are_measured(scraped, portfolio):
    metrics = scraped["metrics"]
    labels = {"sink": "postgres", "target": LOAN_TABLES}
    batches = value(metrics, "crm_sink_batch_size_count", **labels)
    assert batches and batches >= 1
    # every loan record and every transition the processor emitted went through the sink's batches
    outputs = sum(
        value(metrics, "crm_processor_events_out_total", processor="delinquency", topic=topic) or 0
        for topic in ("delinquency.loans", "delinquency.transitions")
    )
    assert value(metrics, "crm_sink_batch_size_sum", **labels) >= outputs > 0
    assert value(metrics, "crm_sink_write_seconds_count", **labels) == batches


def test_lag_is_reported_per_partition_and_reaches_zero(scraped):
    metrics = scraped["metrics"]
    lags = {labels: v for (name, labels), v in metrics.items() if name == "crm_consumer_lag"}
    topics = {dict(labels)["topic"] for labels in lags}
    assert {"bank.loans", "payments", "ops.business-date", "delinquency.ticks"} <= topics
    assert not any(dict(labels)["topic"].startswith("changelog__") for labels in lags)
    assert value(metrics, "crm_consumer_lag", partition="0", processor="delinquency", topic="bank.loans") == 0


def test_the_processor_reports_itself_up_with_a_state_store(scraped):
    metrics = scraped["metrics"]
    assert value(metrics, "crm_processor_up", processor="delinquency") == 1
    assert value(metrics, "crm_state_store_bytes", processor="delinquency") > 0
    info = [labels for (name, labels) in metrics if name == "crm_processor_info"]
    assert any(dict(labels).get("consumer_group", "").endswith("crm-delinquency") for labels in info)

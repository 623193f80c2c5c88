"""The processors' metrics helpers: lag from librdkafka's statistics, the business date gauges, the endpoint's
port and target files. (A running processor's endpoint: tests/integration/test_processor_metrics.py.)"""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date

import httpx
import orjson
from confluent_kafka import TopicPartition

from crm.settings import Settings
from processors.common.app import Backlog, describe_partitions
from processors.common.metrics import REGISTRY, ProcessorMeter, partition_lags, record_business_date
from processors.common.metrics_endpoint import (
    processor_port,
    register_target,
    remove_dead_targets,
    serve_metrics,
)


def partition(**fields) -> dict:
    unknown = {"ls_offset": -1, "hi_offset": -1, "app_offset": -1001, "committed_offset": -1001}
    return {"desired": True, **unknown, **fields}


def test_lag_is_the_last_stable_offset_minus_the_position():
    stats = {
        "topics": {
            "t.bank.loans": {
                "partitions": {
                    "0": partition(ls_offset=120, hi_offset=130, app_offset=100),
                    "1": partition(hi_offset=50, committed_offset=20),  # nothing consumed yet: committed
                    "2": partition(hi_offset=50),  # no position known yet: no figure rather than a wrong one
                    "3": partition(desired=False, hi_offset=9, app_offset=0),  # not assigned here
                    "-1": partition(hi_offset=9, app_offset=0),  # librdkafka's internal partition
                }
            },
            "changelog__t.crm-delinquency--x": {"partitions": {"0": partition(hi_offset=9, app_offset=0)}},
        }
    }
    assert sorted(partition_lags(stats)) == [("t.bank.loans", "0", 20), ("t.bank.loans", "1", 30)]
    meter = ProcessorMeter("delinquency", "t.")
    meter.on_statistics(orjson.dumps(stats).decode())
    assert meter.total_lag == 50  # what decides the checkpoint spacing (Backlog)


def test_checkpoints_space_out_while_behind_and_close_up_once_caught_up():
    backlog = Backlog(current_s=0.1, behind_s=1.0, messages=5_000)
    assert [backlog.interval(lag) for lag in (0, 4_999, 5_000, 2_000_000)] == [0.1, 0.1, 1.0, 1.0]


def value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_partitions_are_logged_by_topic_in_order():
    given = [TopicPartition("payments", 2), TopicPartition("bank.loans", 2), TopicPartition("bank.loans", 0)]
    given += [TopicPartition("payments", 0), TopicPartition("changelog__crm-delinquency--bank.loans", 0)]
    assert describe_partitions(given) == "bank.loans[0,2] payments[0,2]"
    assert describe_partitions([]) == ""


def test_the_business_date_gauge_keeps_the_latest_date_and_when_it_moved():
    labels = {"processor": "unit-test", "bank": "B1"}
    record_business_date("unit-test", "B1", date(2026, 3, 2))
    advanced = value("crm_business_date_advanced_timestamp_seconds", **labels)
    record_business_date("unit-test", "B1", date(2026, 3, 1))  # an older date arriving late
    assert value("crm_business_date_seconds", **labels) == 1772409600  # 2026-03-02T00:00:00Z
    assert value("crm_business_date_advanced_timestamp_seconds", **labels) == advanced
    assert value("crm_business_date_received_timestamp_seconds", **labels) >= advanced


def test_ports_follow_the_registry_order_and_zero_turns_them_off():
    assert processor_port(Settings(metrics_port=9400), "entities") == 9400
    assert processor_port(Settings(metrics_port=9400), "search") == 9407
    assert processor_port(Settings(metrics_port=0), "search") == 0
    assert serve_metrics(Settings(metrics_port=0, state_dir="/nonexistent"), "entities") is None


def test_a_taken_port_moves_the_endpoint_instead_of_failing(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = Settings(metrics_port=taken.getsockname()[1], state_dir=tmp_path)
        port = serve_metrics(settings, "entities")
    assert port and port != settings.metrics_port
    assert "crm_processor_events_in_total" in httpx.get(f"http://127.0.0.1:{port}/metrics").text
    [target] = orjson.loads(next((tmp_path / "prometheus" / "targets").glob("entities-*.json")).read_bytes())
    assert target["targets"] == [f"localhost:{port}"] and target["labels"]["processor"] == "entities"


def test_a_restart_removes_its_dead_predecessors_targets_only(tmp_path):
    folder = tmp_path / "prometheus" / "targets"
    folder.mkdir(parents=True)
    exited = [sys.executable, "-c", "import os; print(os.getpid())"]
    pid = subprocess.run(exited, capture_output=True, text=True)
    dead = pid.stdout.strip()  # a process that has exited
    gone, other = folder / f"ns.rollup-{dead}.json", folder / f"ns.queues-{dead}.json"
    gone.write_text("[]")
    other.write_text("[]")
    mine = register_target(Settings(namespace="ns.", state_dir=tmp_path), "rollup", 1234)
    assert mine is not None and mine.exists() and not gone.exists() and other.exists()
    assert remove_dead_targets(folder) == [other]  # what `crm stack up` does for every processor
    assert mine.exists()

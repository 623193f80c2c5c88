"""`benchmarks/api.py` at a tiny size: it loads its data, serves it with `crm api`, drives every scenario
with a load generator (wrk when installed, and the Python fallback) and prints and writes its figures. The
figures themselves are not judged here (a test is no benchmark); that every answer was a success is."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

from crm.settings import REPO_ROOT
from tests.services import SERVICES

pytestmark = pytest.mark.integration
SCENARIOS = {"queue", "view", "search", "action"}


def run_benchmark(service_addresses: dict[str, str], out, *options: str) -> str:
    env = {**os.environ, "CRM_TOPIC_PARTITIONS": "2"}
    env.update({SERVICES[field][0]: address for field, address in service_addresses.items()})
    command = [sys.executable, "benchmarks/api.py", "--customers", "1000", "--warmup", "0", "--duration", "1"]
    command += ["--workers", "1", "--out", str(out), *options]
    finished = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def test_the_api_benchmark_prints_and_writes_every_scenario(service_addresses, tmp_path):
    out = tmp_path / "api.json"
    printed = run_benchmark(service_addresses, out)
    result = orjson.loads(out.read_bytes())
    assert result["customers"] == 1000 and result["machine"]["cores"] == os.cpu_count()
    assert set(result["scenarios"]) == SCENARIOS
    for name, figures in result["scenarios"].items():
        assert figures["requests"] > 0 and figures["rps"] > 0, name
        assert figures["non_2xx"] == figures["timeouts"] == figures["socket_errors"] == 0, (name, figures)
        assert 0 < figures["p50_ms"] <= figures["p90_ms"] <= figures["p99_ms"] <= figures["max_ms"], name
        assert figures["api_peak_rss_mb"] and figures["cores"]["api"] > 0, name
        assert f"{name}: " in printed and "requests/s" in printed
    assert "result written to" in printed
    assert (tmp_path / "api-api.log").is_file()  # the API's warnings and errors, beside the result


def test_without_wrk_the_python_load_generator_runs_and_says_so(service_addresses, tmp_path):
    out = tmp_path / "api.json"
    run_benchmark(service_addresses, out, "--generator", "python", "--scenarios", "queue")
    queue = orjson.loads(out.read_bytes())["scenarios"]["queue"]
    assert queue["generator"] == "python (asyncio)" and queue["requests"] > 0 and queue["non_2xx"] == 0

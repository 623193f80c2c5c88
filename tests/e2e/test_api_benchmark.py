"""`benchmarks/api.py` at a tiny size: it loads its data, serves it with `crm api`, drives every scenario
with a load generator (wrk when installed, and the Python fallback) and prints and writes its figures. The
figures themselves are not judged here (a test is no benchmark); that every answer was a success is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import orjson
import psycopg
import pytest

from crm.settings import REPO_ROOT, Settings
from infra.sandbox import with_search_path
from tests.services import SERVICES

pytestmark = pytest.mark.integration
SCENARIOS = {"queue", "view", "search", "action"}
PACED_RATES = {"queue": 2_000, "view": 500, "search": 500, "action": 1_000}  # benchmarks/api.py's


def _env(service_addresses: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "CRM_TOPIC_PARTITIONS": "2"}
    env.update({SERVICES[field][0]: address for field, address in service_addresses.items()})
    return env


def run_benchmark(service_addresses: dict[str, str], out, *options: str) -> str:
    env = _env(service_addresses)
    # wrk runs whole seconds (1 s here), the paced run half a second: its 500 actions call the 1,000
    # customers' hundred or so callable ones a few times each, short of the contact rules' attempt limit
    command = [
        sys.executable,
        "benchmarks/api.py",
        "--customers",
        "1000",
        "--warmup",
        "0",
        "--duration",
        "0.5",
    ]
    # no wait for a quiet machine: this checks behaviour, and the suite's own services are never quiet
    command += ["--workers", "1", "--settle-limit", "0", "--out", str(out), *options]
    # its own session, killed whole on a timeout: the API it starts must not outlive it and load every
    # later test (an orphaned `crm api` did)
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        printed, errors = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        printed, errors = process.communicate()
        pytest.fail(f"the API benchmark did not finish within 180 s:\n{printed}{errors}")
    assert process.returncode == 0, printed + errors
    return printed


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
        paced = figures["paced"]  # the same requests again, at the scenario's target rate
        assert paced["offered_rps"] == PACED_RATES[name] and paced["requests"] > 0, (name, paced)
        assert paced["non_2xx"] == paced["timeouts"] == paced["socket_errors"] == 0, (name, paced)
        assert f"paced at {PACED_RATES[name]:,} requests/s" in printed
    assert "result written to" in printed
    assert (tmp_path / "api-api.log").is_file()  # the API's warnings and errors, beside the result


def test_without_wrk_the_python_load_generator_runs_and_says_so(service_addresses, tmp_path):
    out = tmp_path / "api.json"
    run_benchmark(service_addresses, out, "--generator", "python", "--scenarios", "queue", "--no-paced")
    queue = orjson.loads(out.read_bytes())["scenarios"]["queue"]
    assert queue["generator"] == "python (asyncio)" and queue["requests"] > 0 and queue["non_2xx"] == 0
    assert "paced" not in queue


def _accepted_actions(settings: Settings, tag: str) -> int:
    with psycopg.connect(with_search_path(settings.database_url, f"ns_{tag}")) as conn:
        return conn.execute("SELECT count(*) FROM accepted_actions").fetchone()[0]


def test_kept_data_is_loaded_once_reused_and_dropped(service_addresses, tmp_path):
    tag = f"apikeep{uuid.uuid4().hex[:8]}"
    kept = REPO_ROOT / ".state" / "bench" / f"api-data-{tag}.json"
    settings = Settings(**service_addresses)
    try:
        first = run_benchmark(
            service_addresses, tmp_path / "1.json", "--keep-data", tag, "--scenarios", "view"
        )
        assert "loading 1,000 customers" in first and f"kept as '{tag}'" in first and kept.is_file()
        second = run_benchmark(
            service_addresses, tmp_path / "2.json", "--keep-data", tag, "--scenarios", "action"
        )
        assert "loading" not in second and f"reusing the 1,000 customers kept as '{tag}'" in second
        action = orjson.loads((tmp_path / "2.json").read_bytes())["scenarios"]["action"]
        assert action["requests"] > 0 and action["non_2xx"] == 0, action
        assert _accepted_actions(settings, tag) > 0
        # each reuse starts from no recorded actions, so calls are checked against the data as loaded
        run_benchmark(service_addresses, tmp_path / "3.json", "--keep-data", tag, "--scenarios", "view")
        assert _accepted_actions(settings, tag) == 0
        refused = subprocess.run(
            [sys.executable, "benchmarks/api.py", "--customers", "999", "--keep-data", tag],
            cwd=REPO_ROOT, env=_env(service_addresses), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert refused.returncode != 0 and "has 1,000 customers, not 999" in refused.stderr
    finally:
        dropped = run_benchmark(service_addresses, tmp_path / "x.json", "--drop-data", tag)
    assert f"removed the data kept as '{tag}'" in dropped and not kept.exists()
    with psycopg.connect(settings.database_url) as conn:
        schemas = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (f"ns_{tag}",))
        assert schemas.fetchone()[0] == 0

"""The per-processor benchmarks that share `benchmarks/processor_run.py` (entities, roll-up, promises), each
at a tiny size: they run to the end and print every phase. The figures themselves are not judged here (a
test is no benchmark); what each script checks of the processor's behaviour on the way is (a redelivery
changes nothing, every latency sample arrives, the grace period breaks every unpaid promise)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from crm.settings import REPO_ROOT
from tests.services import SERVICES

pytestmark = pytest.mark.integration


def run_benchmark(service_addresses: dict[str, str], script: str, *options: str) -> str:
    env = {**os.environ, "CRM_TOPIC_PARTITIONS": "2"}
    env.update({SERVICES[field][0]: address for field, address in service_addresses.items()})
    command = [sys.executable, f"benchmarks/{script}.py", "--customers", "300", *options]
    finished = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def figure(printed: str, pattern: str) -> int:
    found = re.search(pattern, printed)
    assert found, f"{pattern!r} not in:\n{printed}"
    return int(found.group(1).replace(",", ""))


def test_the_entities_benchmark_loads_and_reloads_the_portfolio(service_addresses):
    printed = run_benchmark(service_addresses, "entities")
    assert figure(printed, r"([\d,]+) entity events ingested") > 300
    assert figure(printed, r"customers ([\d,]+),") == 300
    assert figure(printed, r"the same ([\d,]+) loans again") > 300
    assert "processor peak RSS" in printed


def test_the_rollup_benchmark_runs_every_phase(service_addresses):
    printed = run_benchmark(service_addresses, "rollup", "--samples", "3", "--rate", "50")
    records = figure(printed, r"→ ([\d,]+) delinquency.loans records")
    assert records > 300
    assert figure(printed, r"\(([\d,]+) customers\)") == 300
    assert "the same records again" in printed and "every one ignored" in printed
    assert figure(printed, r"\(30 days on\): ([\d,]+) records") > 0
    assert figure(printed, r"\((\d+) samples, 0 missed\)") == 3
    assert "processor peak RSS" in printed


def test_the_promises_benchmark_makes_keeps_and_breaks_promises(service_addresses):
    printed = run_benchmark(service_addresses, "promises", "--samples", "3", "--rate", "20")
    assert figure(printed, r"([\d,]+) events for the promises processor") > 300
    promises = figure(printed, r"a day's work: 300 actions \(([\d,]+) promises\)")
    assert promises == 75
    made_pending = figure(printed, r"a day's work: .*promises ([\d,]+) pending")
    assert 0 < made_pending <= promises
    assert figure(printed, r"([\d,]+) promises broken") == made_pending
    assert figure(printed, r"the grace period over\): .*promises (\d+) pending") == 0
    assert figure(printed, r"\((\d+) samples, 0 missed\)") == 3

"""The Prometheus configuration and alert rules, checked by promtool (Debian's `prometheus` package ships it;
`crm stack up` installs it). The rules' own unit tests live in infra/prometheus/tests/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.stack.prometheus import RULES_DIR, TEMPLATE, render_config

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (it comes with Debian's prometheus package)"
)
PROMETHEUS_DIR = TEMPLATE.parent
RULE_FILES = sorted(RULES_DIR.glob("*.yml"))


def promtool(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_there_are_rules_for_lag_dead_letters_the_business_date_and_down_processors():
    text = "\n".join(path.read_text() for path in RULE_FILES)
    alerts = ("ConsumerLagHigh", "DeadLettersGrowing", "MessagesSkipped", "BusinessDateMissing")
    for alert in (*alerts, "BusinessDateNotAdvancing"):
        assert f"alert: {alert}" in text
    assert "alert: ProcessorDown" in text


def test_the_rules_are_valid():
    assert RULE_FILES
    assert "SUCCESS" in promtool("check", "rules", *map(str, RULE_FILES))


def test_the_stack_configuration_is_valid(tmp_path):
    targets = tmp_path / "targets"
    targets.mkdir()
    config = tmp_path / "prometheus.yml"
    config.write_text(render_config("127.0.0.1:9090", 8000, targets))
    assert not re.search(r"\$\{[A-Z_]+\}", config.read_text())  # every placeholder filled in
    out = promtool("check", "config", str(config))
    for rule_file in RULE_FILES:  # the rule_files glob finds the rules, and they load
        assert str(rule_file) in out
    assert "rules found" in out


def test_the_docker_compose_configuration_is_valid():
    assert "SUCCESS" in promtool("check", "config", str(PROMETHEUS_DIR / "compose.yml"))


def test_the_alert_rules_pass_their_unit_tests():
    tests = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
    assert tests
    promtool("test", "rules", *(path.name for path in tests), cwd=PROMETHEUS_DIR / "tests")

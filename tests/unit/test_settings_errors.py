"""A setting the settings object refuses stops `crm` with one line naming the variable, not a traceback;
the queue priority weights are such a setting, read as JSON and checked against `PriorityWeights`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

from crm.cli import settings_problems
from crm.settings import REPO_ROOT, Settings
from domain.priority import DEFAULT_WEIGHTS, PriorityWeights


def refused(monkeypatch, name: str, value: str) -> list[str] | None:
    monkeypatch.setenv(name, value)
    with pytest.raises((ValidationError, SettingsError)) as caught:
        Settings()
    return settings_problems(caught.value)


def test_weights_replace_the_defaults_they_name(monkeypatch):
    monkeypatch.setenv("CRM_QUEUE_PRIORITY_WEIGHTS", '{"per_dpd_day": 2, "max_dpd_counted": 100}')
    weights = PriorityWeights(**Settings().queue_priority_weights)
    assert (weights.per_dpd_day, weights.max_dpd_counted) == (2, 100)
    assert weights.follow_up_due == DEFAULT_WEIGHTS.follow_up_due
    monkeypatch.delenv("CRM_QUEUE_PRIORITY_WEIGHTS")
    assert PriorityWeights(**Settings().queue_priority_weights) == DEFAULT_WEIGHTS


WEIGHTS, HOURS = "CRM_QUEUE_PRIORITY_WEIGHTS", "CRM_CALLING_HOURS"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        (WEIGHTS, '{"per_day": 2}', "unknown priority weight per_day (known: per_dpd_day, max_dpd_counted,"),
        (WEIGHTS, '{"per_dpd_day": -1}', "per_dpd_day must be a finite number >= 0, not -1"),
        (WEIGHTS, '{"max_dpd_counted": 1.5}', "max_dpd_counted must be a whole number, not 1.5"),
        (
            HOURS,
            "8-21",
            "calling hours '8-21': write them HH:MM-HH:MM, e.g. 08:00-21:00 (24:00 for midnight)",
        ),
        (HOURS, "21:00-08:00", "calling hours '21:00-08:00' must start before they end, within one day"),
        (HOURS, "08:00-25:00", "calling hours '08:00-25:00': write them HH:MM-HH:MM"),
    ],
)
def test_refused_weights_and_calling_hours_are_named_with_the_reason(monkeypatch, name, value, problem):
    (line,) = refused(monkeypatch, name, value)
    assert line.startswith(f"{name}: {problem}")


def test_a_value_that_is_not_json_is_named_too(monkeypatch):
    assert refused(monkeypatch, "CRM_QUEUE_PRIORITY_WEIGHTS", "per_dpd_day=2") == [
        "CRM_QUEUE_PRIORITY_WEIGHTS could not be read: a setting that holds a list or a mapping takes JSON"
    ]


def test_every_refused_setting_gets_its_line(monkeypatch):
    monkeypatch.setenv("CRM_LOG_JSON", "perhaps")
    assert refused(monkeypatch, "CRM_API_PORT", "eighty") == [
        "CRM_API_PORT: Input should be a valid integer, unable to parse string as an integer",
        "CRM_LOG_JSON: Input should be a valid boolean, unable to interpret input",
    ]


def test_other_validation_errors_are_not_taken_for_settings():
    class Other(BaseModel):
        n: int

    with pytest.raises(ValidationError) as caught:
        Other(n="x")
    assert settings_problems(caught.value) is None


def test_the_command_line_prints_the_line_and_exits_2():
    env = {**os.environ, "CRM_API_PORT": "eighty"}
    finished = subprocess.run(
        [sys.executable, "-m", "crm", "stack", "status"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "error: CRM_API_PORT: Input should be a valid integer" in finished.stderr
    assert "Traceback" not in finished.stderr

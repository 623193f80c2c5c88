"""`crm bench`'s idle detection (`benchmarks.e2e._Watch.until_idle`) against a simulated pipeline: a
processor whose input is still empty upstream has nothing left, and must not make the pipeline look idle
before it has read what comes."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from rich.console import Console

import benchmarks.e2e as e2e
import crm.demo.readiness as readiness
import topics.lag as lag
from benchmarks.e2e_sinks import GroupWatch

INPUTS = {"upstream": ["a"], "rollup": ["b"]}


class Pipeline:
    """``upstream`` has two records left (within its allowance of transaction markers, so the first poll
    sees the whole pipeline at most one marker per partition short); ``rollup``'s input is still empty. The
    idle wait covers the rest: upstream writes 100 records to ``b`` and rollup reads them."""

    def __init__(self) -> None:
        self.per_group = {"upstream": (2, 50, 2), "rollup": (0, 0, 2)}
        self.clock = 0.0
        self.waits = 0

    def lags(self, admin, brokers, inputs):
        self.clock += 1.0  # one poll, one second
        return dict(self.per_group)

    def wait_idle(self, brokers, inputs, timeout):
        self.waits += 1
        self.per_group = {"upstream": (0, 52, 2), "rollup": (0, 100, 2)}

    def now(self) -> float:
        return self.clock


@pytest.fixture
def pipeline(monkeypatch) -> Pipeline:
    pipeline = Pipeline()
    monkeypatch.setattr(e2e, "group_lags", pipeline.lags)
    monkeypatch.setattr(lag, "wait_pipeline_idle", pipeline.wait_idle)
    monkeypatch.setattr(readiness, "pipeline_inputs", lambda settings: INPUTS)
    return pipeline


def _watch(pipeline: Pipeline) -> e2e._Watch:
    watch = e2e._Watch.__new__(e2e._Watch)  # no services: the pipeline is simulated
    watch.settings = SimpleNamespace(kafka_brokers="unused")
    watch.options = SimpleNamespace(timeout_s=60.0, poll_s=0.0)
    watch.check, watch.admin, watch.started = (lambda: None), None, 0.0
    watch.sinks, watch.groups, watch.idle_s = {}, {}, None
    watch.figures = dict
    watch.now = pipeline.now
    return watch


def test_a_processor_with_nothing_yet_to_read_does_not_make_the_pipeline_idle(pipeline):
    watch = _watch(pipeline)
    result = watch.until_idle(Console(file=io.StringIO()))

    assert watch.groups["rollup"].consumed == 100
    assert watch.groups["upstream"].consumed == 52
    # polls at 1 (before the wait), 2 (after it: moved), 3 (before the second wait), 4 (after it: still)
    assert pipeline.waits == 2
    assert result["idle_s"] == 2.0
    assert watch.groups["rollup"].caught_up_since_s == 2.0
    assert result["idle_confirmed_s"] == 4.0


def test_a_pipeline_idle_at_the_first_poll_is_confirmed_by_one_wait(pipeline):
    pipeline.per_group = {"upstream": (0, 52, 2), "rollup": (0, 100, 2)}
    watch = _watch(pipeline)
    result = watch.until_idle(Console(file=io.StringIO()))

    assert pipeline.waits == 1
    assert result["idle_s"] == 1.0


def test_a_processor_is_caught_up_from_the_poll_at_which_it_last_read():
    group = GroupWatch()
    group.observe(left=0, consumed=0, allowance=2, at_s=1.0)  # nothing to read yet
    assert group.caught_up_since_s == 1.0
    group.observe(left=1, consumed=40, allowance=2, at_s=2.0)  # read more, within the markers' allowance
    group.observe(left=1, consumed=40, allowance=2, at_s=3.0)
    assert group.caught_up_since_s == 2.0
    group.observe(left=30, consumed=40, allowance=2, at_s=4.0)
    assert group.caught_up_since_s is None
    group.observe(left=0, consumed=70, allowance=2, at_s=5.0)
    assert group.caught_up_since_s == 5.0


def test_a_lag_of_records_nobody_reads_does_not_stop_the_pipeline_being_idle(pipeline, monkeypatch):
    """An aborted transaction at the end of rollup's input: offsets past its markers that it never reads
    (`topics.lag.wait_caught_up` reads there to tell), so it is never caught up by its lag alone."""
    pipeline.per_group = {"upstream": (0, 52, 2), "rollup": (3, 100, 2)}
    watch = _watch(pipeline)
    monkeypatch.setattr(lag, "wait_pipeline_idle", lambda brokers, inputs, timeout: None)  # nothing moves
    result = watch.until_idle(Console(file=io.StringIO()))

    assert watch.groups["rollup"].caught_up_since_s is None
    assert result["idle_s"] == 1.0

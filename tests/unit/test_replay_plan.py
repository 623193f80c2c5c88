"""What `crm replay` resets for a request, decided before anything changes (infra.replay.plan_replay)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.replay import ReplayRefused, plan_replay, with_downstream
from processors.registry import INPUTS, PROCESSORS


def test_a_replay_takes_every_processor_that_reads_what_it_rewrites():
    assert with_downstream(["rollup"]) == ["rollup", "strategy", "allocation", "queues", "search"]
    assert with_downstream(["delinquency"]) == [p for p in PROCESSORS if p != "entities"]
    assert with_downstream(["entities"]) == ["entities"]
    assert with_downstream(["queues"]) == ["queues"]
    assert plan_replay(["queues"]).emptied_topics == ["queues.ticks"]  # its continuations of a long date


def test_without_downstream_only_the_named_processors_in_pipeline_order():
    plan = plan_replay(["promises", "delinquency"], downstream=False)
    assert plan.processors == ["delinquency", "promises"] and plan.since is None
    assert plan.tables == ["loan_delinquency", "delinquency_transitions"]
    assert plan.emptied_topics == ["delinquency.ticks"]  # it feeds itself; promises reads it again too
    assert not plan.clears_queues


def test_no_name_means_every_processor():
    plan = plan_replay([])
    assert plan.processors == list(PROCESSORS)
    assert plan.emptied_topics == ["delinquency.ticks", "allocation.requests", "queues.ticks"]
    assert all(
        topic in INPUTS[name] for name in plan.processors for topic in plan.emptied_topics if name in topic
    )
    assert plan.clears_queues


def test_from_a_time_keeps_state_and_is_refused_for_stateful_processors():
    since = datetime(2026, 3, 2, 8, tzinfo=UTC)
    plan = plan_replay(["search", "entities"], since=since)
    assert plan.processors == ["entities", "search"] and plan.tables == [] and plan.emptied_topics == []
    with pytest.raises(ReplayRefused, match="--from cannot replay rollup"):
        plan_replay(["entities", "rollup"], since=since)
    with pytest.raises(ReplayRefused, match="needs a time zone"):
        plan_replay(["entities"], since=datetime(2026, 3, 2, 8))


def test_an_unknown_processor_is_refused():
    with pytest.raises(ReplayRefused, match="unknown processor nope"):
        plan_replay(["nope"])

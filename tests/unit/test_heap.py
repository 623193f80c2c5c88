"""The API worker freezes its startup heap, so the collector's full collections no longer walk it."""

from __future__ import annotations

import gc

import pytest

from crm.commands import api as api_command
from crm.heap import freeze_startup_heap


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # back to the collector, so this test process's garbage is still found


def test_freezing_moves_what_is_alive_out_of_the_collectors_reach():
    kept = [[n] for n in range(1_000)]  # container objects: tracked by the collector
    frozen = freeze_startup_heap()
    assert frozen == gc.get_freeze_count() and frozen > len(kept)
    walked = {id(item) for item in gc.get_objects()}  # what a full collection would walk
    assert not any(id(item) in walked for item in kept)


def test_garbage_made_after_the_freeze_is_still_collected():
    freeze_startup_heap()

    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle
    del cycle
    assert gc.collect() >= 1


def test_an_api_worker_freezes_its_heap_once_its_app_is_built(monkeypatch):
    monkeypatch.setattr("crm.logging.configure_logging", lambda *args, **kwargs: None)
    app = api_command.worker_app()
    assert app.title == "Collections CRM API"
    assert gc.get_freeze_count() > 10_000  # the modules, the app, its routes and pydantic's models

"""The 409 of a save based on an older version: who saved since, when, and what to do, in either number."""

from __future__ import annotations

import pytest

from api.errors import Conflict
from api.stale import require_current


def test_the_version_in_force_passes():
    require_current("the case", 3, 3, "agent1", "2026-03-01T10:00:00+00:00")


def test_an_older_one_is_409_naming_who_saved_since_in_the_right_number():
    with pytest.raises(Conflict) as case:
        require_current("the case", 2, 3, "agent1", "2026-03-01T10:00:00+00:00")
    assert case.value.detail == (
        "the case was saved by agent1 at 2026-03-01T10:00:00+00:00 since version 2 was read: it is at "
        "version 3; read it again and redo the change"
    )
    with pytest.raises(Conflict) as contacts:
        require_current("the contacts", 0, 1, "agent2", "2026-03-02T09:00:00+00:00", plural=True)
    assert contacts.value.detail.startswith("the contacts were saved by agent2 at 2026-03-02T09:00:00+00:00")
    assert contacts.value.detail.endswith("they are at version 1; read them again and redo the change")


def test_a_version_named_where_nothing_was_saved_names_nobody():
    with pytest.raises(Conflict) as error:
        require_current("the dictionaries", 2, 0, None, None, plural=True)
    assert error.value.detail == (
        "the dictionaries were saved since version 2 was read: they are at version 0; read them again "
        "and redo the change"
    )

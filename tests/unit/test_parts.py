"""The next part of a partition's keys after a cursor (processors.common.parts)."""

from __future__ import annotations

from processors.common.parts import next_part

KEYS = {"C3", "C1", "C5", "C2", "C4"}


def test_parts_go_in_sorted_order_after_the_cursor_until_none_is_left():
    assert next_part(KEYS, None, 2) == (["C1", "C2"], False)
    assert next_part(KEYS, "C2", 2) == (["C3", "C4"], False)
    assert next_part(KEYS, "C4", 2) == (["C5"], True)
    assert next_part(KEYS, "C5", 2) == ([], True)  # a spare continuation


def test_a_part_that_takes_the_rest_exactly_is_the_last_and_no_limit_takes_all():
    assert next_part(KEYS, "C3", 2) == (["C4", "C5"], True)
    assert next_part(KEYS, None, None) == (["C1", "C2", "C3", "C4", "C5"], True)
    assert next_part([], None, 3) == ([], True)

"""The Redis ranking sink's batching (no Redis needed; writes are tested against a real Redis in
tests/integration/test_queues_processor.py)."""

from __future__ import annotations

from sinks.redis import MemberChange, latest_changes


def change(member: str, score: float | None, ranking: str = "q:{A}") -> MemberChange:
    payload = None if score is None else f"{member}@{score}".encode()
    return MemberChange(ranking, f"{ranking}:entries", member, score, payload)


def test_the_last_change_of_a_member_wins_in_the_order_of_last_changes():
    changes = [
        change("C1", 5),
        change("C2", 7),
        change("C1", None),
        change("C1", 9, "q:{B}"),
        change("C2", 8),
    ]
    assert latest_changes(changes) == [change("C1", None), change("C1", 9, "q:{B}"), change("C2", 8)]
    assert latest_changes([]) == []

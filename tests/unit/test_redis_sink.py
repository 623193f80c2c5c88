"""The Redis ranking sink's batching (no Redis needed; writes are tested against a real Redis in
tests/integration/test_queues_processor.py)."""

from __future__ import annotations

from sinks.redis import BATCH_TOPIC, MemberChange, RedisRankingSink, latest_changes


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


def test_every_input_topic_goes_to_one_batch_in_processing_order():
    sink = RedisRankingSink("redis://127.0.0.1:1/0", lambda value: (value,))
    for offset, (topic, partition, value) in enumerate(
        [("assignments", 0, change("C1", 5)), ("delinquency.customers", 1, change("C1", None))]
    ):
        sink.add(value, "C1", 0, [], topic, partition, offset)
    [(key, batch)] = sink._batches.items()
    assert key == (BATCH_TOPIC, 0)
    assert [item.value for item in batch] == [change("C1", 5), change("C1", None)]

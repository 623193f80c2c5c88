"""Work over every key of a partition done a part per message: the next part after a cursor.

A business date or a re-evaluation can touch every loan or customer of a partition; done in one message,
its work shares one Kafka transaction (and holds up the partition's other messages). The processors take
the keys in sorted order, at most a limit per message, and remember the last key done as the cursor for
the next message (a continuation they send themselves).
"""

from __future__ import annotations

from collections.abc import Iterable


def next_part(keys: Iterable[str], after: str | None, limit: int | None) -> tuple[list[str], bool]:
    """Of ``keys`` in sorted order, those after ``after`` (None: from the first), at most ``limit`` (None:
    all of them); and whether they are the last (nothing left for another part)."""
    due = sorted(key for key in keys if after is None or key > after)
    part = due if limit is None else due[:limit]
    return part, len(part) == len(due)

"""An index in a partition's state store: which keys need another look on which business date.

A date tick then reads only the keys filed under the dates that have come, never the whole partition. Each
key also remembers where it is filed (``filed`` under its own prefix), so moving it is two small writes.
Slots are sharded so that no single list grows large.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Protocol

SHARDS = 64
PENDING = "pending"  # keys waiting for the partition's first business date


class StateLike(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...
    def delete(self, key: str) -> None: ...


StateOf = Callable[[str], StateLike]  # prefix → the state under that prefix


def _shard(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


def file_under(state_of: StateOf, index: str, key: str, where: str | None, mark: str = "filed") -> bool:
    """Move ``key`` in the index under prefix ``index`` from where it was filed to ``where`` (an ISO date,
    `PENDING`, or None to take it out). ``mark`` names where the key remembers its place: a key in two
    indexes needs one name per index. Whether it moved (False: it was filed there already)."""
    own, slots = state_of(key), state_of(index)
    previous = own.get(mark)
    if previous == where:
        return False
    shard = _shard(key)
    if previous is not None:
        slot = f"{previous}:{shard}"
        members = [k for k in slots.get(slot, []) if k != key]
        slots.set(slot, members) if members else slots.delete(slot)
    if where is not None:
        slot = f"{where}:{shard}"
        slots.set(slot, [*slots.get(slot, []), key])
        own.set(mark, where)
    else:
        own.delete(mark)
    return True


def members(state_of: StateOf, index: str, slot: str) -> list[str]:
    """The keys filed under ``slot`` (an ISO date or `PENDING`)."""
    slots = state_of(index)
    return [key for shard in range(SHARDS) for key in slots.get(f"{slot}:{shard}", [])]

"""Kafka's default partitioner (murmur2, as in the Java client and librdkafka's "murmur2"), in Python.

Used to broadcast: to reach every partition of a topic through an ordinary keyed produce, pick for each
partition a key that hashes to it.
"""

from __future__ import annotations

from functools import cache

_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    length = len(data)
    h = (0x9747B28C ^ length) & _MASK
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = (h * _M) & _MASK
        h ^= k
    tail = length % 4
    base = length - tail
    if tail == 3:
        h ^= data[base + 2] << 16
    if tail >= 2:
        h ^= data[base + 1] << 8
    if tail >= 1:
        h ^= data[base]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


def partition_for(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


@cache
def broadcast_keys(prefix: str, partitions: int) -> tuple[str, ...]:
    """One key per partition, ``keys[p]`` landing on partition ``p``."""
    keys: dict[int, str] = {}
    n = 0
    while len(keys) < partitions:
        key = f"{prefix}{n}"
        keys.setdefault(partition_for(key.encode(), partitions), key)
        n += 1
    return tuple(keys[p] for p in range(partitions))

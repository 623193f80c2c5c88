"""Keeping the garbage collector off what a long-running process built at startup."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect once, then move every object alive now (the imported modules, the app and its routes,
    pydantic's validators and serializers: a few hundred thousand objects) into the collector's permanent
    generation, where no later collection walks them; returns how many were frozen.

    Why: an API worker under load allocates fast enough for a full collection every few seconds, and each
    walked that whole startup heap while every request in flight waited. Measured on the 360 view with one
    worker and 32 clients: p99 123-171 ms before, 62-69 ms with the collector off, 77-91 ms with the heap
    frozen, at the same throughput. Objects made later are collected as before."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

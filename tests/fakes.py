"""Fakes for pure functions only: real services are never faked; and how tests mix their inputs."""

import random

from processors.common.dict_state import DictState

__all__ = ["DictState", "interleaved"]


def interleaved(streams: dict[str, list], rnd: random.Random) -> list:
    """The items of every stream in one list, each stream's in its own order, the streams mixed at random:
    how a processor meets one key's records among the others' (the streams are emptied)."""
    merged = []
    while streams:
        key = rnd.choice(sorted(streams))
        merged.append(streams[key].pop(0))
        if not streams[key]:
            del streams[key]
    return merged

"""A `StateLike` over a plain dict, for running processor rules outside the framework (tests, benchmarks).

``DictState(store, prefix)`` sees the keys under ``prefix`` of one shared dict, as the framework's
prefix-scoped state sees one partition's store.
"""

from __future__ import annotations


class DictState:
    def __init__(self, store: dict, prefix: str) -> None:
        self.store, self.prefix = store, prefix

    def get(self, key, default=None):
        return self.store.get((self.prefix, key), default)

    def set(self, key, value) -> None:
        self.store[(self.prefix, key)] = value

    def delete(self, key) -> None:
        self.store.pop((self.prefix, key), None)

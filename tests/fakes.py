"""Fakes for pure functions only: real services are never faked."""


class DictState:
    def __init__(self, store: dict, prefix: str) -> None:
        self.store, self.prefix = store, prefix

    def get(self, key, default=None):
        return self.store.get((self.prefix, key), default)

    def set(self, key, value) -> None:
        self.store[(self.prefix, key)] = value

    def delete(self, key) -> None:
        self.store.pop((self.prefix, key), None)

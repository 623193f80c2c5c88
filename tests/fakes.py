"""Fakes for pure functions only: real services are never faked."""

from processors.common.dict_state import DictState

__all__ = ["DictState"]

"""Counts as people read them: "1 customer", "2,500 customers"."""

from __future__ import annotations


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` grouped by thousands, then ``noun`` for one and ``plural`` (``noun`` + s) otherwise."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"

"""Delinquency buckets and the transitions between them."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.errors import DomainError


class Transition(StrEnum):
    ENTRY = "ENTRY"  # Current → delinquent
    ROLL_FORWARD = "ROLL_FORWARD"  # to a worse bucket
    ROLL_BACK = "ROLL_BACK"  # to a better bucket, still delinquent
    CURE = "CURE"  # back to Current


@dataclass(frozen=True)
class BucketConfig:
    """Buckets by their lowest DPD, in order; the first must start at 0 (Current)."""

    bounds: tuple[tuple[int, str], ...] = (
        (0, "CURRENT"),
        (1, "1-29"),
        (30, "30-59"),
        (60, "60-89"),
        (90, "90-119"),
        (120, "120-179"),
        (180, "180+"),
    )

    def __post_init__(self) -> None:
        lows = [low for low, _ in self.bounds]
        if not lows or lows[0] != 0:
            raise DomainError("the first bucket must start at 0 days past due")
        if any(b <= a for a, b in zip(lows, lows[1:], strict=False)):
            raise DomainError("bucket lower bounds must be strictly increasing")
        labels = [label for _, label in self.bounds]
        if len(set(labels)) != len(labels):
            raise DomainError("bucket labels must be unique")

    @property
    def lows(self) -> tuple[int, ...]:
        return tuple(low for low, _ in self.bounds)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for _, label in self.bounds)

    @property
    def current(self) -> str:
        return self.bounds[0][1]


DEFAULT_BUCKETS = BucketConfig()


def bucket(dpd: int, config: BucketConfig = DEFAULT_BUCKETS) -> str:
    if dpd < 0:
        raise DomainError(f"days past due cannot be negative ({dpd})")
    return config.bounds[bisect_right(config.lows, dpd) - 1][1]


def transition(old: str, new: str, config: BucketConfig = DEFAULT_BUCKETS) -> Transition | None:
    """How a loan moved between two buckets; None when it stayed."""
    rank = {label: n for n, label in enumerate(config.labels)}
    before, after = rank[old], rank[new]
    if before == after:
        return None
    if after == 0:
        return Transition.CURE
    if before == 0:
        return Transition.ENTRY
    return Transition.ROLL_FORWARD if after > before else Transition.ROLL_BACK


def next_bucket_change(oldest_unpaid_due: date | None, today: date, config: BucketConfig = DEFAULT_BUCKETS):
    """The first date after ``today`` on which the bucket changes if nothing else happens, or None.

    With the oldest unpaid installment due on ``u``, DPD on day ``d`` is ``max(0, d - u)``; the bucket
    changes on ``u + b`` for the first bucket bound ``b > 0`` with ``u + b > today``.
    """
    if oldest_unpaid_due is None:
        return None
    for low in config.lows[1:]:
        when = oldest_unpaid_due + timedelta(days=low)
        if when > today:
            return when
    return None

"""Delinquency buckets and the transitions between them."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.dates import add_days
from domain.errors import DomainError, InvalidConfig, UnknownBucket


class Transition(StrEnum):
    ENTRY = "ENTRY"  # Current → delinquent
    ROLL_FORWARD = "ROLL_FORWARD"  # to a worse bucket
    ROLL_BACK = "ROLL_BACK"  # to a better bucket, still delinquent
    CURE = "CURE"  # back to Current


@dataclass(frozen=True, slots=True)
class BucketConfig:
    """Buckets by their lowest DPD, in order; the first must start at 0 (Current).

    ``bounds`` may come from JSON as a list of ``[low, label]`` pairs; it is stored as a tuple.
    """

    bounds: tuple[tuple[int, str], ...] = (
        (0, "CURRENT"),
        (1, "1-29"),
        (30, "30-59"),
        (60, "60-89"),
        (90, "90-119"),
        (120, "120-179"),
        (180, "180+"),
    )
    # Derived once: bucket() runs for every loan on every tick.
    lows: tuple[int, ...] = field(init=False, repr=False, compare=False)
    labels: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _rank: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bounds = tuple((low, label) for low, label in self.bounds)
        lows = tuple(low for low, _ in bounds)
        labels = tuple(label for _, label in bounds)
        if not lows or lows[0] != 0:
            raise InvalidConfig("the first bucket must start at 0 days past due")
        if any(not isinstance(low, int) or isinstance(low, bool) for low in lows):
            raise InvalidConfig("bucket lower bounds must be whole numbers of days")
        if any(b <= a for a, b in zip(lows, lows[1:], strict=False)):
            raise InvalidConfig("bucket lower bounds must be strictly increasing")
        if any(not isinstance(label, str) or not label for label in labels):
            raise InvalidConfig("bucket labels must be non-empty strings")
        if len(set(labels)) != len(labels):
            raise InvalidConfig("bucket labels must be unique")
        object.__setattr__(self, "bounds", bounds)
        object.__setattr__(self, "lows", lows)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "_rank", {label: n for n, label in enumerate(labels)})

    @property
    def current(self) -> str:
        return self.labels[0]

    def rank(self, label: str) -> int:
        """0 for Current, higher for worse buckets."""
        try:
            return self._rank[label]
        except KeyError:
            raise UnknownBucket(f"unknown bucket {label!r}; known: {', '.join(self.labels)}") from None


DEFAULT_BUCKETS = BucketConfig()


def bucket(dpd: int, config: BucketConfig = DEFAULT_BUCKETS) -> str:
    if dpd < 0:
        raise DomainError(f"days past due cannot be negative ({dpd})")
    return config.labels[bisect_right(config.lows, dpd) - 1]


def dpd_on(dpd: int, recorded_on: date, day: date) -> int:
    """A DPD recorded on ``recorded_on``, as it stands on ``day`` if nothing else happens in between.

    While an installment is past due, DPD grows a day a day (it is the days since the oldest unpaid one fell
    due); at 0 it stays 0 until an installment falls due, which is an event of its own. A later record
    replaces this estimate; a ``day`` before the record changes nothing (DPD is never aged backwards).
    """
    behind = (day - recorded_on).days
    return dpd + behind if dpd > 0 and behind > 0 else dpd


def grown(
    dpd: int, recorded_bucket: str, recorded_on: date, day: date, config: BucketConfig = DEFAULT_BUCKETS
) -> tuple[int, str]:
    """(DPD, bucket) recorded on ``recorded_on`` as they stand on ``day`` (`dpd_on`; the bucket follows)."""
    later = dpd_on(dpd, recorded_on, day)
    return (later, bucket(later, config)) if later != dpd else (dpd, recorded_bucket)


def transition(old: str, new: str, config: BucketConfig = DEFAULT_BUCKETS) -> Transition | None:
    """How a loan moved between two buckets; None when it stayed."""
    before, after = config.rank(old), config.rank(new)
    if before == after:
        return None
    if after == 0:
        return Transition.CURE
    if before == 0:
        return Transition.ENTRY
    return Transition.ROLL_FORWARD if after > before else Transition.ROLL_BACK


def next_change_date(
    oldest_unpaid_due_date: date | None, business_date: date, config: BucketConfig = DEFAULT_BUCKETS
) -> date | None:
    """The first date after ``business_date`` on which the bucket changes if nothing else happens, or None.

    With the oldest unpaid installment due on ``u``, DPD on day ``d`` is ``max(0, d - u)``: it only grows,
    so the bucket changes on ``u + b`` for the first bound ``b > 0`` with ``u + b > business_date``, and
    never again once the last bucket is reached.
    """
    if oldest_unpaid_due_date is None:
        return None
    days_late = (business_date - oldest_unpaid_due_date).days
    step = max(1, bisect_right(config.lows, days_late))  # the first bound b > 0 with u + b > business_date
    if step == len(config.lows):
        return None
    return add_days(oldest_unpaid_due_date, config.lows[step])


# The earlier name, kept for existing callers.
next_bucket_change = next_change_date

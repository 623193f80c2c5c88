"""Queue priority: who an agent should call first, and why, as of a business date.

The score is a float (a ranking, never money; the amounts behind it stay Decimal) and higher comes first:

    score = per_dpd_day * min(dpd, max_dpd_counted)
          + per_tenfold_overdue * log10(1 + overdue)     # 1,000 -> 60 points, 1,000,000 -> 120 with defaults
          + per_broken_promise * min(broken, max_broken_promises_counted)
          + follow_up_due                                # when the follow-up date is today or past
          - after_contact * (days_left / after_contact_days)  # fades out over the days after a contact

The log scale keeps one huge balance from outranking every late customer; the contact penalty lets an
agent move on to people not yet reached. A customer with nothing overdue is not queued (None). Overdue is
in the loan's currency: a bank with several currencies should pass one figure per customer in the currency
its weights were tuned for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, bucket
from domain.errors import DomainError, InvalidConfig
from domain.money import amount_text, to_money
from domain.wording import count_of


@dataclass(frozen=True, slots=True)
class PriorityWeights:
    per_dpd_day: float = 1.0  # a day later is a point more ...
    max_dpd_counted: int = 360  # ... up to a year: beyond that, recovery is a legal matter, not a call
    per_tenfold_overdue: float = 20.0  # ten times the overdue amount adds this much
    per_broken_promise: float = 15.0
    max_broken_promises_counted: int = 5
    follow_up_due: float = 40.0  # the agent said they would call back: keep the word
    after_contact: float = 60.0  # taken off on the day of a contact ...
    after_contact_days: int = 3  # ... fading to nothing after this many days

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            whole = spec.type == "int"
            if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
                raise InvalidConfig(
                    f"{spec.name} must be a {'whole' if whole else 'real'} number, not {value!r}"
                )
            if not value >= 0 or value - value != 0:  # NaN and infinity fail one or the other
                raise InvalidConfig(f"{spec.name} must be a finite number >= 0, not {value!r}")


DEFAULT_WEIGHTS = PriorityWeights()


@dataclass(frozen=True, slots=True)
class Priority:
    score: float
    reason: str

    def __iter__(self):  # so that ``score, reason = priority(...)`` reads naturally
        return iter((self.score, self.reason))


def _days_ago(days: int) -> str:
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def priority(
    *,
    dpd: int,
    overdue_amount: Decimal | int | str,
    currency: str,
    business_date: date,
    broken_promises: int = 0,
    follow_up_date: date | None = None,
    last_contact_date: date | None = None,
    weights: PriorityWeights = DEFAULT_WEIGHTS,
    buckets: BucketConfig = DEFAULT_BUCKETS,
) -> Priority | None:
    """The customer's place in a queue on ``business_date``, or None when nothing is overdue.

    ``dpd`` and ``overdue_amount`` are the customer's (worst loan, summed overdue); ``last_contact_date`` is
    the business date of the latest contact with the customer, a future one is ignored.
    """
    overdue = to_money(overdue_amount)
    if dpd < 0 or broken_promises < 0 or overdue < 0:
        raise DomainError(
            f"dpd, overdue and broken promises cannot be negative ({dpd}, {overdue}, {broken_promises})"
        )
    if overdue == 0:
        return None
    w = weights
    score = w.per_dpd_day * min(dpd, w.max_dpd_counted)
    score += w.per_tenfold_overdue * float((overdue + 1).log10())
    score += w.per_broken_promise * min(broken_promises, w.max_broken_promises_counted)
    reason = [f"DPD {dpd} ({bucket(dpd, buckets)})", f"overdue {amount_text(overdue, currency)} {currency}"]
    if broken_promises:
        reason.append(count_of(broken_promises, "broken promise"))
    if follow_up_date is not None and follow_up_date <= business_date:
        score += w.follow_up_due
        late = (business_date - follow_up_date).days
        reason.append("follow-up due today" if late == 0 else f"follow-up {count_of(late, 'day')} overdue")
    since = None if last_contact_date is None else (business_date - last_contact_date).days
    if since is not None and 0 <= since < w.after_contact_days:  # a future contact is ignored
        score -= w.after_contact * (w.after_contact_days - since) / w.after_contact_days
        reason.append(
            f"contacted {_days_ago(since)}, so lower for {count_of(w.after_contact_days - since, 'day')}"
        )
    return Priority(score, ", ".join(reason))

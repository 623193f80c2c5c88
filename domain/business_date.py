"""How the business date moves: forward only, and by at most a bounded step.

Each new date ages every open loan at once, and the book never goes back: a date typed wrong (2062 for
2026, 2027-12-07 for 2026-12-07) would make the whole portfolio years overdue, campaigns and queues with it,
with no message that undoes it. So a date more than ``max_step_days`` after the latest one is refused. A gap
that long which is real (an outage, a migration) is crossed by publishing dates in between, each within the
step; an earlier date than the latest changes nothing, as before. Pure: the delinquency processor and the
demo's clock fold the topic's dates with it, so both arrive at the same latest date, replays included.
"""

from __future__ import annotations

from datetime import date

from domain.errors import BusinessDateJump

DEFAULT_MAX_STEP_DAYS = 31  # longer than any holiday a bank closes its books over (Tết: about ten days)


def advance(latest: date | None, new: date, max_step_days: int) -> date:
    """The latest business date once ``new`` is read after ``latest`` (None: the first one, taken as it
    is). Raises :class:`BusinessDateJump` for a date more than ``max_step_days`` after ``latest``."""
    if latest is None:
        return new
    if new <= latest:
        return latest
    step = (new - latest).days
    if step > max_step_days:
        raise BusinessDateJump(
            f"business date {new} is {step:,} days after the latest, {latest}; one date may move at most "
            f"{max_step_days} days (CRM_BUSINESS_DATE_MAX_STEP_DAYS): a date typed wrong would age every "
            "loan for good; to move that far on purpose, publish dates in between"
        )
    return new

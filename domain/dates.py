"""Calendar arithmetic that stays inside ``date``'s range.

Contracts accept any calendar date (banks write 9999-12-31 for "no end"), and the rules add grace periods,
bucket bounds and cool-downs to such dates. Plain ``date + timedelta`` raises OverflowError past year 9999,
which in a processor would stop the partition at that message on every restart. Saturating instead reads
naturally: a bucket change or a promise's deadline "in year 10,000" is one that never comes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def fixed_utc(moment: datetime) -> str:
    """``moment`` in UTC with one fixed width, so that text order is time order (for times kept as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def add_days(day: date, days: int) -> date:
    """``day`` moved by ``days`` (either sign), held at ``date.min``/``date.max`` instead of overflowing."""
    ordinal = day.toordinal() + days
    if ordinal > date.max.toordinal():
        return date.max
    if ordinal < date.min.toordinal():
        return date.min
    return day + timedelta(days=days)

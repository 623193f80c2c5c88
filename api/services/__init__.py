"""Writes: each one a transaction that stores, audits and publishes, committed only once Kafka confirmed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

CLOCK_SKEW = timedelta(minutes=1)  # how far in the future a client's clock may put an action or a payment


def in_the_future(moment: datetime, now: datetime, business_date: date | None = None) -> str | None:
    """Why a client's timestamp is refused (later than the server's clock allows), or None. With the
    ``business_date``, a moment still on that date somewhere (UTC-12) is not in the future either: the
    business date is the product's clock, and a demo's runs ahead of the wall clock."""
    horizon = now + CLOCK_SKEW
    if business_date is not None:
        horizon = max(horizon, datetime.combine(business_date + timedelta(days=1), LAST_ZONE_MIDNIGHT))
    if moment > horizon:
        on = f", business date {business_date.isoformat()}" if business_date else ""
        return f"{moment.isoformat()} is in the future (server time {now.isoformat()}{on})"
    return None


LAST_ZONE_MIDNIGHT = time(12, tzinfo=UTC)  # the next day begins at UTC-12 last, at noon UTC

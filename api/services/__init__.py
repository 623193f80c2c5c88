"""Writes: each one a transaction that stores, audits and publishes, committed only once Kafka confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta

CLOCK_SKEW = timedelta(minutes=1)  # how far in the future a client's clock may put an action or a payment


def in_the_future(moment: datetime, now: datetime) -> str | None:
    """Why a client's timestamp is refused (later than the server's clock allows), or None."""
    if moment > now + CLOCK_SKEW:
        return f"{moment.isoformat()} is in the future (server time {now.isoformat()})"
    return None

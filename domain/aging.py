"""Which loans need a look on a new business date: an index from event date to accounts.

A date tick over a million loans must not recompute a million loans: each loan is filed under the date on
which its bucket or overdue amount next changes on its own (`schedule.next_event`), and a tick takes out
exactly the loans whose date has come.
"""

from __future__ import annotations

import heapq
from datetime import date


class AgingIndex:
    def __init__(self) -> None:
        self._by_date: dict[date, set[str]] = {}
        self._date_of: dict[str, date] = {}
        self._dates: list[date] = []  # a heap of the dates in _by_date (may hold stale ones)

    def __len__(self) -> int:
        return len(self._date_of)

    def schedule(self, account: str, when: date | None) -> None:
        """File ``account`` under ``when``, replacing its previous date; None takes it out."""
        previous = self._date_of.pop(account, None)
        if previous is not None:
            accounts = self._by_date[previous]
            accounts.discard(account)
            if not accounts:
                del self._by_date[previous]
        if when is None:
            return
        self._date_of[account] = when
        if when not in self._by_date:
            self._by_date[when] = set()
            heapq.heappush(self._dates, when)
        self._by_date[when].add(account)

    def due(self, business_date: date) -> list[str]:
        """Remove and return (sorted) every account whose date is on or before ``business_date``."""
        found: list[str] = []
        while self._dates and self._dates[0] <= business_date:
            when = heapq.heappop(self._dates)
            for account in self._by_date.pop(when, ()):
                del self._date_of[account]
                found.append(account)
        return sorted(found)

    def date_of(self, account: str) -> date | None:
        return self._date_of.get(account)

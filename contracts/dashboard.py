"""`GET /api/dashboard/portfolio`: the supervisor's portfolio figures, from the pre-aggregated tables.

"Today" is the latest business date (never the wall clock) and "this month" runs from the first of its
month through it. Money is a decimal string per currency; rates are fractions (0.25 = 25 %), null when
nothing was there to roll or cure.
"""

from __future__ import annotations

from datetime import date

from contracts.common import Contract, MoneyOut


class BucketFigures(Contract):
    bucket: str
    currency: str
    accounts: int
    overdue: MoneyOut
    outstanding: MoneyOut


class Collected(Contract):
    """COMPLETED payments minus reversals, by the calendar date of ``paid_at``."""

    currency: str
    today: MoneyOut
    this_month: MoneyOut


class PromiseCounts(Contract):
    """Promises made in the period, by their status now."""

    made: int
    kept: int
    broken: int
    pending: int
    kept_rate: float | None  # kept / (kept + broken); null while none has been judged


class PromisesJudged(Contract):
    """Promises judged on the day, whatever day they were made: kept (paid in full in time) and broken
    (past their date and grace, not paid in full)."""

    kept: int
    broken: int


class PromiseFigures(Contract):
    today: PromiseCounts  # made today
    this_month: PromiseCounts  # made this month
    settled_today: PromisesJudged


class ActivityCounts(Contract):
    """Agents' actions in the period (by the calendar date of the action's time), the right-party contacts
    among them (results that mean the customer was reached: PROMISE_TO_PAY, PAID, REFUSED, CALLBACK,
    DISPUTE, CEASE_COMMUNICATION) and the promises to pay among them."""

    actions: int
    contacts: int
    promises: int
    contact_rate: float | None  # right-party contact rate: contacts / actions; null without actions
    promise_rate: float | None  # PTP rate: promises / contacts; null without contacts


class ActivityFigures(Contract):
    today: ActivityCounts
    this_month: ActivityCounts


class RollRate(Contract):
    """Accounts that left ``from_bucket`` for a worse one on the business date / accounts in it at the
    start of that date."""

    from_bucket: str
    to_bucket: str  # the next worse bucket
    accounts_at_start: int
    rolled_forward: int
    rate: float | None


class CureRate(Contract):
    """Accounts that returned to CURRENT on the business date / delinquent accounts at its start."""

    delinquent_at_start: int
    cured: int
    rate: float | None


class AgentWorkload(Contract):
    agent_id: str
    name: str | None
    team: str | None
    type: str | None
    active: bool
    assigned: int  # customers currently assigned (CALL and FIELD assignments)
    capacity: int
    utilisation: float | None  # assigned / capacity; null for a capacity of 0
    actions_today: int  # actions they recorded on the business date
    contacts_today: int  # right-party contacts among them
    promises_today: int  # promises to pay among them
    promises_kept_this_month: int  # of the promises they took this month, now KEPT
    promises_broken_this_month: int  # and now BROKEN
    # Payments on the loans of the customers they hold now, per currency (COMPLETED minus reversals, by the
    # calendar date of ``paid_at``): a customer's collections follow the customer to its new agent.
    collected: list[Collected]


class AgentsSum(Contract):
    """The agents' figures added up: a team supervisor's team, or every agent (whatever ``agents_find``
    chose and whichever page is listed)."""

    agents: int
    assigned: int
    capacity: int
    utilisation: float | None  # assigned / capacity; null for a capacity of 0
    actions_today: int
    contacts_today: int
    promises_today: int
    promises_kept_this_month: int
    promises_broken_this_month: int
    collected: list[Collected]  # per currency, on the customers they hold now


class PortfolioSummary(Contract):
    business_date: date | None  # None until a first business date has been processed
    month_start: date | None
    team: str | None  # the team the agents are limited to (a team supervisor's); None: every team
    buckets: list[BucketFigures]  # portfolio-wide, in bucket order, every bucket of each currency held
    collected: list[Collected]  # per currency
    promises: PromiseFigures
    activity: ActivityFigures  # portfolio-wide, as the other figures
    roll_rates: list[RollRate]  # one per bucket that can roll forward, in bucket order
    cure_rate: CureRate
    # A page of the agents (a team supervisor's team, or every agent) by agent_id: from ``agents_offset``,
    # at most ``agents_limit``, of those whose name, id or team holds ``agents_find`` (any case, accents
    # or not); ``agents_total`` of them hold it. A bank has thousands: the live events push the first page.
    agents: list[AgentWorkload]
    agents_total: int
    agents_sum: AgentsSum

"""A customer's delinquency: the worst of their loans."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, bucket, grown
from domain.loan import LoanView
from domain.money import ZERO


@dataclass(frozen=True, slots=True)
class CustomerDelinquency:
    cif: str | None
    max_dpd: int
    bucket: str
    # Sums per currency, always as a dict (one key in a single-currency book): amounts in different
    # currencies are never added together, and converting them would need rates the CRM does not have.
    overdue_total: dict[str, Decimal]
    outstanding_total: dict[str, Decimal]
    loans_delinquent: int
    loans: int


def roll_up(
    loan_views: Iterable[LoanView] | str,
    views: Iterable[LoanView] | BucketConfig | None = None,
    config: BucketConfig = DEFAULT_BUCKETS,
) -> CustomerDelinquency:
    """``roll_up(loan_views[, config])``: the customer is as late as their worst loan.

    The loans' records may be of different dates (each is written when its own figures change): their DPD
    is first brought to the latest of them (`aligned`), so the customer's is as of that date.

    The earlier form ``roll_up(cif, loan_views[, config])`` still works; without it the cif is the loans'.
    """
    if isinstance(loan_views, str):
        cif, loans = loan_views, list(views or ())
    else:
        loans = list(loan_views)
        config = views if isinstance(views, BucketConfig) else config
        cif = loans[0].cif if loans else None
    loans = aligned(loans, config)
    overdue: dict[str, Decimal] = {}
    outstanding: dict[str, Decimal] = {}
    for view in loans:
        overdue[view.currency] = overdue.get(view.currency, ZERO) + view.overdue_amount
        outstanding[view.currency] = outstanding.get(view.currency, ZERO) + view.outstanding
    worst = max((view.dpd for view in loans), default=0)
    return CustomerDelinquency(
        cif=cif,
        max_dpd=worst,
        bucket=bucket(worst, config),
        overdue_total=overdue,
        outstanding_total=outstanding,
        loans_delinquent=sum(1 for view in loans if view.dpd > 0),
        loans=len(loans),
    )


def aligned(views: Iterable[LoanView], config: BucketConfig = DEFAULT_BUCKETS) -> list[LoanView]:
    """The views brought to the latest business date among them.

    A loan's record is written when its bucket or an amount changes, not each day (`schedule.next_event`),
    so between two records only its DPD moves, a day a day while something is past due. A record days
    older than its neighbours therefore still holds, with its DPD (and so its bucket) aged to their date.
    """
    views = list(views)
    latest = max((view.business_date for view in views), default=None)
    return [_aged(view, latest, config) for view in views] if latest else views


def _aged(view: LoanView, day: date, config: BucketConfig) -> LoanView:
    if view.business_date >= day:
        return view
    dpd, later_bucket = grown(view.dpd, view.bucket, view.business_date, day, config)
    return replace(view, business_date=day, dpd=dpd, bucket=later_bucket)

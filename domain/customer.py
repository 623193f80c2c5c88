"""A customer's delinquency: the worst of their loans."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, bucket
from domain.loan import LoanView

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class CustomerDelinquency:
    cif: str
    max_dpd: int
    bucket: str
    # Sums in each currency: amounts in different currencies are never added together.
    overdue_total: dict[str, Decimal]
    outstanding_total: dict[str, Decimal]
    loans_delinquent: int
    loans: int


def roll_up(cif: str, views: list[LoanView], config: BucketConfig = DEFAULT_BUCKETS) -> CustomerDelinquency:
    overdue: dict[str, Decimal] = {}
    outstanding: dict[str, Decimal] = {}
    for view in views:
        overdue[view.currency] = overdue.get(view.currency, ZERO) + view.overdue_amount
        outstanding[view.currency] = outstanding.get(view.currency, ZERO) + view.outstanding
    worst = max((view.dpd for view in views), default=0)
    return CustomerDelinquency(
        cif=cif,
        max_dpd=worst,
        bucket=bucket(worst, config),
        overdue_total=overdue,
        outstanding_total=outstanding,
        loans_delinquent=sum(1 for view in views if view.dpd > 0),
        loans=len(views),
    )

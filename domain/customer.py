"""A customer's delinquency: the worst of their loans."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, bucket
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

    The earlier form ``roll_up(cif, loan_views[, config])`` still works; without it the cif is the loans'.
    """
    if isinstance(loan_views, str):
        cif, loans = loan_views, list(views or ())
    else:
        loans = list(loan_views)
        config = views if isinstance(views, BucketConfig) else config
        cif = loans[0].cif if loans else None
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

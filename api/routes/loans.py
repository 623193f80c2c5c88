"""One loan with its delinquency."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status

from api.deps import ConnDep, CurrentUser
from api.documented_errors import NOT_FOUND
from api.exact_json import ExactJsonRoute
from api.queries.loans import get_loan
from api.visibility import may_see_customer
from contracts.api import LoanPublic

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/loans", tags=["loans"])
AccountPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]


# `:path`: a bank's account numbers may hold "/" (the contracts allow it), sent as %2F
@router.get("/{account_number:id}", response_model=LoanPublic, responses=NOT_FOUND)
def loan(account_number: AccountPath, user: CurrentUser, conn: ConnDep) -> LoanPublic:
    """The loan with `dpd` (as of the latest business date), `bucket`, `overdue_amount`, `outstanding`,
    `as_of` and its schedule. Agents see only loans of customers assigned to them, supervisors those of
    their team's customers: any other is 404, so that whether it exists does not leak."""
    found = get_loan(conn, account_number)
    if found is not None and not may_see_customer(conn, user, found[1]):
        found = None
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no loan {account_number!r}")
    return found[0]

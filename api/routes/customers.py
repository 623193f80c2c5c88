"""The customer 360 view."""

from __future__ import annotations

from typing import Annotated

import psycopg_pool
from fastapi import APIRouter, HTTPException, Path, status
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentUser, ResourcesDep
from api.queries.audit import record
from api.queries.customers import customer_view
from api.security import Principal
from contracts.customer_view import CustomerView

router = APIRouter(prefix="/api/customers", tags=["customers"])
CifPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]


def read_and_audit(pool: psycopg_pool.ConnectionPool, user: Principal, cif: str) -> CustomerView | None:
    """The view and its audit row, on one pooled connection; blocking, so run on a worker thread (once per
    request: each hand-off to a thread cost about as much as one of the view's queries)."""
    with pool.connection() as conn:
        view = customer_view(conn, user, cif)
        if view is not None:
            details = {"role": user.role.value, "agent_id": user.agent_id, "loans": len(view.loans)}
            record(conn, user.username, "customer.view", f"customer:{cif}", details)
    return view


@router.get("/{cif}", response_model=CustomerView)
async def customer(cif: CifPath, user: CurrentUser, resources: ResourcesDep) -> CustomerView:
    """Everything about the customer as of the latest business date: identity, contacts, references,
    loans with DPD and bucket, collateral, the last 50 payments, the last 100 actions, promises with their
    status, the strategy's campaigns, current agents and their history, and the delinquency summary.

    Agents see only customers assigned to them, team supervisors their team's: any other is 404, like an
    unknown cif. Each successful read is recorded in the audit log (`customer.view`)."""
    view = await run_in_threadpool(read_and_audit, resources.pool, user, cif)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no customer {cif!r}")
    return view

"""The customer 360 view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status

from api.deps import CurrentUser, ResourcesDep
from api.documented_errors import NOT_FOUND
from api.exact_json import ExactJsonRoute
from api.queries.customers import customer_view_json
from contracts.customer_view import CustomerView

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/customers", tags=["customers"])
CifPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]


# `:path`: a bank's cifs may hold "/" (the contracts allow it), sent as %2F
@router.get("/{cif:id}", response_model=CustomerView, responses=NOT_FOUND)
async def customer(cif: CifPath, user: CurrentUser, resources: ResourcesDep) -> Response:
    """Everything about the customer as of the latest business date: identity, contacts, references,
    loans with DPD and bucket, collateral, the last 50 payments, the last 100 actions, promises with their
    status, the strategy's campaigns, current agents and their history, and the delinquency summary.

    Agents see only customers assigned to them, team supervisors their team's: any other is 404, like an
    unknown cif. Each successful read is recorded in the audit log (`customer.view`)."""
    body = await customer_view_json(resources.pool_async, user, cif)
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no customer {cif!r}")
    # validated as it was built: FastAPI would validate and convert it again on the way out
    return Response(body, media_type="application/json")

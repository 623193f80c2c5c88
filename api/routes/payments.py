"""Posting payments (bank integrations, admins), idempotent by reference number."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import RequireRole, ResourcesDep
from api.documented_errors import ErrorMessage
from api.exact_json import ExactJsonRoute
from api.services import payments as service
from contracts.admin import Role
from contracts.writes import PaymentAccepted, PaymentCreate

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/payments", tags=["payments"])
PaymentPoster = RequireRole(Role.INTEGRATION, Role.ADMIN)


@router.post(
    "",
    response_model=PaymentAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        409: {
            "model": ErrorMessage,
            "description": "the reference number was used for a different payment, or the reversed payment "
            "was reversed already",
        },
        503: {"model": ErrorMessage, "description": "Kafka did not confirm; nothing was stored"},
    },
)
async def post_payment(body: PaymentCreate, user: PaymentPoster, resources: ResourcesDep) -> PaymentAccepted:
    """Produce a payment (or reversal) to `payments`, keyed by account number. A repeat of the same
    payment gets the first reply, byte for byte, and is not produced again. 422 besides the contract: an
    amount finer than its currency's minor units (a fraction of a dong), a `paid_at` in the future, a
    currency other than the loan's, or a reversal that does not undo a known, completed payment of the same
    account in full (the same `amount`). 409: the reference number was used for a different payment, or
    another reversal undid the reversed payment already."""
    return await service.record_payment(resources.write_pool_async, resources.publisher, user, body)

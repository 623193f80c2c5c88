"""Health of the API's dependencies, for anyone (load balancers, `crm demo`, people)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ResourcesDep
from api.exact_json import ExactJsonRoute
from api.health import check_all
from contracts.api import HealthPublic

router = APIRouter(route_class=ExactJsonRoute, prefix="/api", tags=["health"])


@router.get("/health", response_model=HealthPublic, responses={503: {"model": HealthPublic}})
async def health(resources: ResourcesDep) -> JSONResponse:
    """Each dependency with its latency; 200 when all are up, 503 otherwise."""
    report = await check_all(resources)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.status == "ok" else 503)

"""The supervisors' portfolio dashboard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ConnDep, RequireRole
from api.exact_json import ExactJsonRoute
from api.queries.dashboard import portfolio_summary
from api.visibility import scope_of
from contracts.admin import Role
from contracts.dashboard import PortfolioSummary

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/dashboard", tags=["dashboard"])
SupervisorOrAdmin = RequireRole(Role.SUPERVISOR, Role.ADMIN)


@router.get("/portfolio", response_model=PortfolioSummary)
def portfolio(user: SupervisorOrAdmin, conn: ConnDep) -> dict[str, Any]:
    """Accounts and amounts per bucket and currency, money collected today and this month, promises made
    today and this month by their status, roll and cure rates on the business date, and each agent's
    workload against capacity. "Today" is the latest business date. A team supervisor's agents are those of
    their team; the portfolio figures are portfolio-wide for everyone. Supervisors and admins only."""
    return portfolio_summary(conn, scope_of(user).team)

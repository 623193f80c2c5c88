"""The supervisors' portfolio dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import ConnDep, RequireRole
from api.exact_json import ExactJsonRoute
from api.queries.dashboard import AGENTS_LIMIT_MAX, AGENTS_PAGE, AgentsPage, portfolio_summary
from api.visibility import scope_of
from contracts.admin import Role
from contracts.dashboard import PortfolioSummary

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/dashboard", tags=["dashboard"])
SupervisorOrAdmin = RequireRole(Role.SUPERVISOR, Role.ADMIN)


@router.get("/portfolio", response_model=PortfolioSummary)
def portfolio(
    user: SupervisorOrAdmin,
    conn: ConnDep,
    agents_find: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="only agents whose name, id or team holds this"),
    ] = None,
    agents_offset: Annotated[int, Query(ge=0, le=1_000_000, description="the first agent listed")] = 0,
    agents_limit: Annotated[
        int, Query(ge=1, le=AGENTS_LIMIT_MAX, description="how many agents to list")
    ] = AGENTS_PAGE,
) -> dict[str, Any]:
    """Accounts and amounts per bucket and currency, money collected today and this month, promises made
    today and this month by their status, roll and cure rates on the business date, and each agent's
    workload against capacity. "Today" is the latest business date. A team supervisor's agents are those of
    their team; the portfolio figures are portfolio-wide for everyone. The agents are listed a page at a
    time by agent_id (`agents_offset`, `agents_limit`), only those whose name, id or team holds
    `agents_find` (any case, with or without accents) when given; `agents_total` counts those, and
    `agents_sum` adds up every agent's figures (of the team). Supervisors and admins only."""
    page = AgentsPage(agents_find, agents_offset, agents_limit)
    return portfolio_summary(conn, scope_of(user).team, page)

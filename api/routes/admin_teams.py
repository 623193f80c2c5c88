"""Teams (admin): the teams agents name, for the forms that pick one; a team is no record of its own."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminUser, ConnDep
from api.exact_json import ExactJsonRoute
from api.queries import agents
from contracts.admin import TeamSummary

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/admin/teams", tags=["admin: agents"])


@router.get("", response_model=list[TeamSummary])
def list_teams(_admin: AdminUser, conn: ConnDep) -> list[TeamSummary]:
    """Every team some agent belongs to (inactive agents' too), in name order, with its active agents and
    their capacity: a bank's few dozen teams, whatever the number of agents."""
    return agents.list_teams(conn)

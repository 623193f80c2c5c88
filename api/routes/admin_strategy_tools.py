"""The strategy editor's helpers: the field catalogue (admins and supervisors, who read strategies) and a
dry-run preview of a draft (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminUser, ConnDep, StrategyReader
from api.exact_json import ExactJsonRoute
from api.routes.actions import DictionariesDep
from api.services import strategy_tools
from contracts.admin import StrategyCatalogue, StrategyPreview, StrategyUpdate

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/admin/strategy-tools", tags=["admin: strategies"])


@router.get("/catalogue", response_model=StrategyCatalogue)
def catalogue(_reader: StrategyReader, loaded: DictionariesDep) -> StrategyCatalogue:
    """The fields conditions may test (with their types and closed lists; for `case.state` and
    `case.recovery_ability` the codes their dictionaries hold now), the operators, the bucket labels in
    order, and the contact-rule vocabulary."""
    return strategy_tools.catalogue(loaded)


@router.post("/preview", response_model=StrategyPreview)
def preview(
    body: StrategyUpdate,
    _admin: AdminUser,
    conn: ConnDep,
    dictionaries: DictionariesDep,
    strategy_id: Annotated[
        str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")
    ] = "default",
    sample: Annotated[int, Query(ge=100, le=500_000)] = strategy_tools.DEFAULT_SAMPLE,
) -> StrategyPreview:
    """How many customers the draft would put in each campaign (and how many in none), matched exactly as
    the strategy processor does, for the latest business date. Nothing is stored or published. Books
    larger than `sample` customers are previewed on an even sample and the counts scaled (`estimated`)."""
    return strategy_tools.preview(conn, strategy_id, body, dictionaries, sample)

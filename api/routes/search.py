"""`GET /api/search`: customers by name, national id, phone, email, cif or account number (Elasticsearch)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.exceptions import RequestValidationError

from api.deps import CurrentUser, ResourcesDep
from api.exact_json import ExactJsonRoute
from api.queries.search import MAX_WINDOW, SearchRequest, search_customers
from api.visibility import scope_of
from contracts.search import SearchResults
from domain.buckets import DEFAULT_BUCKETS

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/search", tags=["search"])
BucketLabel = Literal[DEFAULT_BUCKETS.labels]  # CURRENT, 1-29, 30-59, ... 180+


def _query_error(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("query", name), "msg": message}])


@router.get("", response_model=SearchResults)
async def search(
    user: CurrentUser,
    resources: ResourcesDep,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    bucket: BucketLabel | None = None,
    agent: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Customers matching `q`, best match first: cif, account number, national id / registration number /
    tax id exactly (any case), an email exactly, a phone number or any 4+ digits of one (spaces, `+`, `-`,
    `()` ignored), or a name whose words all match, with or without accents, whole or by their first
    letters ("nguy van" finds "Nguyễn Văn An"). Without `q`, every customer, in name order. `bucket` and
    `agent` narrow it down. Only customers the caller may see are searched (agents: their own; team
    supervisors: their team's)."""
    if q is not None and not q.strip():
        raise _query_error("q", "q has nothing to search for")
    if page * page_size > MAX_WINDOW:
        raise _query_error(
            "page", f"only the first {MAX_WINDOW:,} matches can be paged through; narrow it down"
        )
    request = SearchRequest(q=q, bucket=bucket, agent=agent, page=page, page_size=page_size)
    results = await search_customers(resources.http, resources.settings.namespace, request, scope_of(user))
    # validated as it was built: FastAPI would validate and convert it again on the way out
    return Response(results.model_dump_json(), media_type="application/json")

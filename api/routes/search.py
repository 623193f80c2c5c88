"""`GET /api/search`: customers by name, national id, phone, email, cif or account number (Elasticsearch)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.exceptions import RequestValidationError

from api.deps import CurrentUser, ResourcesDep
from api.exact_json import ExactJsonRoute
from api.queries.search import MAX_WINDOW, SearchRequest, search_customers
from api.resources import Resources
from api.security import Principal
from api.visibility import scope_of
from contracts.nul import NUL
from contracts.search import SearchResults
from domain.buckets import DEFAULT_BUCKETS

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/search", tags=["search"])
BucketLabel = Literal[DEFAULT_BUCKETS.labels]  # CURRENT, 1-29, 30-59, ... 180+
Q_MAX_LENGTH = 100
AGENT_MAX_LENGTH = 64
AGENT_PATTERN = r"^[A-Za-z0-9._:/-]+$"
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 20, 100
SEARCH_PARAMETERS = frozenset({"q", "bucket", "agent", "page", "page_size"})
_AGENT = re.compile(AGENT_PATTERN.removeprefix("^").removesuffix("$"))


def _query_error(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("query", name), "msg": message}])


@router.get("", response_model=SearchResults)
async def search(
    user: CurrentUser,
    resources: ResourcesDep,
    q: Annotated[str | None, Query(min_length=1, max_length=Q_MAX_LENGTH)] = None,
    bucket: BucketLabel | None = None,
    agent: Annotated[
        str | None, Query(min_length=1, max_length=AGENT_MAX_LENGTH, pattern=AGENT_PATTERN)
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = PAGE_SIZE_DEFAULT,
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
    return Response(await search_json(resources, user, request), media_type="application/json")


async def search_json(resources: Resources, user: Principal, request: SearchRequest) -> bytes:
    """The answer's body, as the route and its fast path (`api.fast_paths`) send it."""
    results = await search_customers(
        resources.http, resources.latest_dates, resources.settings.namespace, request, scope_of(user)
    )
    # validated as it was built: FastAPI would validate and convert it again on the way out
    return results.model_dump_json().encode()


def _whole_number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def plain_search(params: dict[str, str]) -> SearchRequest | None:
    """The request from query parameters (each given once) when the route would take every one of them as
    it is; None for anything else, which the route answers (a 422 that names the parameter, or a parameter
    it ignores). For the fast path: it must never accept what the route refuses."""
    if not params.keys() <= SEARCH_PARAMETERS:
        return None
    q, bucket, agent = params.get("q"), params.get("bucket"), params.get("agent")
    page = _whole_number(params.get("page", "1"))
    page_size = _whole_number(params.get("page_size", str(PAGE_SIZE_DEFAULT)))
    if (
        (q is not None and not (len(q) <= Q_MAX_LENGTH and q.strip() and NUL not in q))
        or (bucket is not None and bucket not in DEFAULT_BUCKETS.labels)
        or (agent is not None and not (len(agent) <= AGENT_MAX_LENGTH and _AGENT.fullmatch(agent)))
        or page is None
        or page_size is None
        or not (page >= 1 and 1 <= page_size <= PAGE_SIZE_MAX and page * page_size <= MAX_WINDOW)
    ):
        return None
    return SearchRequest(q=q, bucket=bucket, agent=agent, page=page, page_size=page_size)

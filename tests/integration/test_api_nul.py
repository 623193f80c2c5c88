"""Text holding NUL (U+0000) is refused with a 422 at its parameter or field, on the fast paths and the
routes alike. PostgreSQL stores it in neither text nor jsonb: taken in, an action's notes failed the write
with a 500, and so did a filter such as `GET /api/admin/agents?team=...`."""

from __future__ import annotations

import orjson
import pytest

from contracts.admin import Role
from tests.api_client import token
from tests.integration.test_api_actions import World, call, calling_moment

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
NUL_ERROR = {"msg": "Text must not contain the NUL character (U+0000)", "type": "string_nul"}


@pytest.fixture(scope="module")
def world(api_settings) -> World:
    return World(api_settings)


def refused_at(response, field: str) -> bool:
    detail = response.json()["detail"]
    return response.status_code == 422 and {**NUL_ERROR, "field": field} in [
        {key: error[key] for key in ("field", "msg", "type")} for error in detail
    ]


@pytest.mark.parametrize(
    "more",
    [{}, {"promise": {"date": "2026-12-31", "amount": 1.5}, "result": "PROMISE_TO_PAY"}],
    ids=["fast path", "route (a JSON number in the body)"],
)
async def test_an_action_with_nul_in_its_notes_is_refused_and_not_produced(client, world, more):
    cif = world.customer(f"NUL{len(more)}")
    before = world.produced()
    body = call(cif, calling_moment(), notes="Will pay\u0000", **more)
    response = await client.post("/api/actions", json=body, headers=token(Role.AGENT, world.agent))
    assert refused_at(response, "notes"), response.text
    assert world.produced() == before


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/admin/agents", {"team": "T\u0000"}, "query.team"),  # a 500 before
        ("/api/search", {"q": "Nguy\u0000en"}, "query.q"),  # the search fast path hands it on
        ("/api/agents/AG1/queue", {"limit": "5\u0000"}, "query.limit"),  # and so does the queue's
        ("/api/customers/C1%00", {}, "path.cif"),
        ("/api/admin/strategies/S1%00", {}, "path.strategy_id"),
    ],
)
async def test_nul_in_the_query_or_the_path_is_refused_at_its_parameter(client, path, params, field):
    response = await client.get(path, params=params, headers=token(Role.ADMIN))
    assert refused_at(response, field), response.text


async def test_nul_in_a_body_typed_json_in_capitals_is_refused_and_not_produced(client, world):
    """Media types are case-insensitive: FastAPI reads an `Application/JSON` body as JSON, so the NUL test
    must too (it passed such a body through, and the write failed with a 500)."""
    cif = world.customer("NULCAPS")
    before = world.produced()
    more = {"promise": {"date": "2026-12-31", "amount": 1.5}, "result": "PROMISE_TO_PAY"}  # not the fast path
    body = orjson.dumps(call(cif, calling_moment(), notes="Will pay\u0000", **more))
    headers = {**token(Role.AGENT, world.agent), "Content-Type": "Application/JSON; charset=UTF-8"}
    response = await client.post("/api/actions", content=body, headers=headers)
    assert refused_at(response, "notes"), response.text
    assert world.produced() == before

"""The API serves the web app's build where it has no route of its own, and keeps its JSON answers."""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from tests.api_client import SECRET

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


async def get(settings, dist, *paths: str, method: str = "GET") -> list[httpx.Response]:
    app = create_app(settings.model_copy(update={"jwt_secret": SECRET}), web_dist=dist)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        return [await client.request(method, path) for path in paths]


async def test_pages_of_the_app_get_its_index_and_assets_are_cached_for_good(settings, dist):
    root, page, asset, icon = await get(
        settings, dist, "/", "/customers/C-1", "/assets/index-abc123.js", "/favicon.svg"
    )
    assert root.status_code == page.status_code == 200 and "id=root" in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert asset.text == "console.log('app')" and "immutable" in asset.headers["cache-control"]
    assert icon.text == "<svg/>" and icon.headers["cache-control"] == "no-cache"


async def test_api_paths_keep_their_json_errors(settings, dist):
    missing, docs_like, outside = await get(
        settings, dist, "/api/nothing-here", "/metricsx", "/../etc/passwd"
    )
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    assert outside.status_code == 200 and "id=root" in outside.text  # never a file outside the build
    [posted] = await get(settings, dist, "/customers/C-1", method="POST")
    assert posted.status_code == 404 and posted.json() == {"detail": "Not Found"}


async def test_without_a_build_the_page_says_how_to_make_one(settings, tmp_path):
    [page] = await get(settings, tmp_path / "missing", "/dashboard")
    assert page.status_code == 503 and "npm --prefix web run build" in page.text

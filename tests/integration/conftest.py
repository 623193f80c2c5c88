"""Fixtures of the API tests: the app in process with a test signing secret, and an httpx client on it.

A module that needs data of its own around the app overrides ``api_settings`` (see test_api_roles.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api_client import SECRET, api_client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def api_settings(initialized):
    return initialized.model_copy(update={"jwt_secret": SECRET})


@pytest.fixture
async def client(api_settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(api_settings) as http:
        yield http

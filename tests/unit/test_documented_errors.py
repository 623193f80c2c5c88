"""The OpenAPI document names every status the role matrix expects from each endpoint (401 without a token,
403 for another role, 404 for a customer or loan the caller may not see), so generated clients know them."""

from __future__ import annotations

import re

import orjson
import pytest

from api.openapi_export import openapi_document
from tests.integration.test_api_roles import MATRIX


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, re.Pattern, set[int]]]:
    document = orjson.loads(openapi_document())
    found = []
    for template, methods in document["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        for method, operation in methods.items():
            found.append((method.upper(), pattern, {int(status) for status in operation["responses"]}))
    return found


@pytest.mark.parametrize(("method", "path", "statuses"), [(m, p, s) for (m, p, _), s in MATRIX.items()])
def test_every_status_of_the_role_matrix_is_documented(operations, method, path, statuses):
    path = path.split("?")[0]
    documented = [codes for verb, pattern, codes in operations if verb == method and pattern.match(path)]
    assert len(documented) == 1, (method, path)
    assert set(statuses) <= documented[0], (method, path, sorted(set(statuses) - documented[0]))


def test_routes_without_a_token_or_role_document_neither(operations):
    health = [codes for verb, pattern, codes in operations if pattern.match("/api/health")]
    assert health == [{200, 503}]


def test_415_is_documented_where_a_json_body_is_read_and_nowhere_else(operations):
    def documents_415(method: str, path: str) -> bool:
        [codes] = [codes for verb, pattern, codes in operations if verb == method and pattern.match(path)]
        return 415 in codes

    assert documents_415("POST", "/api/actions") and documents_415("PUT", "/api/contacts/C-1")
    assert not documents_415("POST", "/api/auth/token")  # the login reads a form
    assert not documents_415("GET", "/api/customers/C-1")

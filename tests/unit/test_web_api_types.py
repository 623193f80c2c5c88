"""The web app's API types are generated from the API itself; these fail when either copy is stale
(fix: `python -m api.openapi_export web/openapi.json && npm --prefix web run gen:api`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from api.openapi_export import openapi_document

WEB = Path(__file__).resolve().parents[2] / "web"


def test_the_committed_openapi_document_is_current():
    assert (WEB / "openapi.json").read_bytes() == openapi_document(), "web/openapi.json is stale"


@pytest.mark.skipif(not (WEB / "node_modules").is_dir() or not shutil.which("npx"), reason="npm ci not run")
def test_the_typescript_types_are_generated_from_it(tmp_path):
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        ["npx", "openapi-typescript", "openapi.json", "-o", str(out), "--default-non-nullable=false"],
        cwd=WEB,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (WEB / "src" / "api" / "schema.d.ts").read_text() == out.read_text(), "schema.d.ts is stale"

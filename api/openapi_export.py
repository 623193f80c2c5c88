"""Write the API's OpenAPI document, from which the web app generates its TypeScript types.

    python -m api.openapi_export web/openapi.json

The web app's `npm run gen:api` turns it into `web/src/api/schema.d.ts`; a test fails when either is stale,
so the front end and the API cannot drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from api.app import create_app
from crm.settings import Settings


def openapi_document() -> bytes:
    # Settings with a fixed port: the document must not depend on the environment it is written in.
    app = create_app(Settings(api_port=8000, jwt_secret="openapi-export-only-" + "x" * 32))
    return orjson.dumps(app.openapi(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("web/openapi.json")
    target.write_bytes(openapi_document())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Serving the web app's production build (``web/dist``) from the API, so one port serves both.

The app is served where the API has no route: a GET that would be a 404 outside the API's own paths gets
the file of that name under ``dist`` (hashed assets cached for a year), or else ``index.html``, because the
app routes in the browser (``/customers/C1`` is a page of the app, not a file). API paths keep their JSON
404 and 405 answers. Without a build, pages explain how to make one instead of a bare 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, status
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.errors import http_error

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
API_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/metrics")
IMMUTABLE = "public, max-age=31536000, immutable"  # Vite puts a content hash in every asset's name

NOT_BUILT = """<!doctype html><title>Collections CRM</title>
<h1>The web app is not built yet</h1>
<p>Build it once with <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>
(<code>crm demo</code> does this for you), then reload. The API is up: see <a href="/docs">/docs</a>.</p>"""


def web_response(dist: Path, path: str) -> Response:
    """The file at ``path`` in the build, else the app's index page (or how to build it)."""
    root = dist.resolve()
    index = root / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    relative = path.lstrip("/")
    if relative:
        candidate = (root / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            cache = IMMUTABLE if relative.startswith("assets/") else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


def install_web_app(app: FastAPI, dist: Path = WEB_DIST) -> None:
    async def not_found(request: Request, error: Exception) -> Response:
        path = request.url.path
        if request.method in ("GET", "HEAD") and path != "/api" and not path.startswith(API_PREFIXES):
            return web_response(dist, path)
        return await http_error(request, error)

    app.add_exception_handler(status.HTTP_404_NOT_FOUND, not_found)

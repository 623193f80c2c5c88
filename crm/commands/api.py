"""`crm api`: serve the HTTP API with uvicorn."""

from __future__ import annotations

import typer

from crm.settings import get_settings


def api(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0: all)."),
    port: int | None = typer.Option(None, "--port", help="Port; default CRM_API_PORT."),
) -> None:
    """Serve the HTTP API and the web app on CRM_API_PORT."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    # log_config=None keeps the project's logging; the API logs one line per request itself.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port or settings.api_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )

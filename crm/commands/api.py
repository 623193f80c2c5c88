"""`crm api`: serve the HTTP API with uvicorn, in one process or several."""

from __future__ import annotations

import typer

from crm.settings import get_settings


def worker_app():
    """The app of one worker process: uvicorn imports and calls this in each worker it starts, so each
    builds its own app, pools and producer from the environment's settings, with the project's logging."""
    from api.app import create_app
    from crm.heap import freeze_startup_heap
    from crm.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    freeze_startup_heap()  # built once, alive until the worker exits: no collection need walk it again
    return app


def api(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0: all)."),
    port: int | None = typer.Option(None, "--port", help="Port; default CRM_API_PORT."),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes sharing the port (one per core uses the machine)."
    ),
) -> None:
    """Serve the HTTP API and the web app on CRM_API_PORT."""
    import uvicorn

    settings = get_settings()
    settings.resolved_jwt_secret()  # made here when unset: the workers read it, never race to make it
    # log_config=None keeps the project's logging; the API logs one line per request itself.
    uvicorn.run(
        "crm.commands.api:worker_app",
        factory=True,
        host=host,
        port=port or settings.api_port,
        workers=workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )

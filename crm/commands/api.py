"""`crm api`: serve the HTTP API with uvicorn, in one process or several (`crm.api_workers`)."""

from __future__ import annotations

import os

import typer

from crm.api_workers import Supervisor, listen
from crm.errors import CrmError
from crm.settings import get_settings

GRACEFUL_SHUTDOWN_S = 10


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
        1, "--workers", min=1, help="Worker processes, dealt connections in turn (one per core)."
    ),
) -> None:
    """Serve the HTTP API and the web app on CRM_API_PORT."""
    import uvicorn

    settings = get_settings()
    settings.resolved_jwt_secret()  # made here when unset: the workers read it, never race to make it
    port = port or settings.api_port
    # log_config=None keeps the project's logging; the API logs one line per request itself.
    config = {
        "app": "crm.commands.api:worker_app",
        "factory": True,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
    }
    if workers == 1 or os.name != "posix":
        uvicorn.run(**config, host=host, port=port, workers=workers)
        return
    try:
        listener = listen(host, port)
    except OSError as error:
        raise CrmError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    # workers get connections dealt in turn, not uvicorn's shared socket (crm/api_workers.py says why)
    if code := Supervisor(listener, workers, config, stop_timeout_s=GRACEFUL_SHUTDOWN_S + 5).run():
        raise typer.Exit(code)

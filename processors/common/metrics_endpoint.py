"""Serve a processor's metrics over HTTP and tell the local Prometheus where to find them.

Each processor has a port of its own: ``CRM_METRICS_PORT`` plus its position in `processors.registry`
(entities 9400, delinquency 9401, …), 0 turns the endpoint off. A port already taken (a second instance of
the same processor, tests running processors side by side) is no reason to stop processing: the endpoint
moves to a free port, with a warning. Wherever it lands, the processor drops a target file (Prometheus'
file_sd format) in ``<state>/prometheus/targets/``, which `crm stack up`'s Prometheus and docker-compose's
both watch; a clean stop removes it, a crash leaves it so that the ProcessorDown alert fires, and the next
start of that processor removes the files of its dead predecessors.
"""

from __future__ import annotations

import atexit
import logging
import os
from pathlib import Path

import orjson
from prometheus_client import start_http_server

from crm.settings import Settings

log = logging.getLogger(__name__)
LOOPBACK = {"0.0.0.0", "::", "127.0.0.1", "::1", "localhost"}


def processor_port(settings: Settings, name: str) -> int:
    """Processor ``name``'s metrics port (0: no endpoint)."""
    from processors.registry import PROCESSORS

    return settings.metrics_port + list(PROCESSORS).index(name) if settings.metrics_port else 0


def targets_dir(settings: Settings) -> Path:
    return Path(settings.state_dir) / "prometheus" / "targets"


def serve_metrics(settings: Settings, name: str) -> int | None:
    """Start the endpoint of processor ``name`` on a daemon thread; returns its port (None: turned off)."""
    port = processor_port(settings, name)
    if not port:
        return None
    try:
        server, _ = start_http_server(port, addr=settings.metrics_host)
    except OSError as error:
        server, _ = start_http_server(0, addr=settings.metrics_host)
        log.warning(
            "metrics port taken, serving on another",
            extra={"processor": name, "port": port, "instead": server.server_port, "error": str(error)},
        )
    bound = server.server_port
    log.info("metrics served", extra={"processor": name, "url": f"http://{_host(settings)}:{bound}/metrics"})
    register_target(settings, name, bound)
    return bound


def _host(settings: Settings) -> str:
    return "localhost" if settings.metrics_host in LOOPBACK else settings.metrics_host


def register_target(settings: Settings, name: str, port: int) -> Path | None:
    """Write this process's target file (removed at exit); returns it, or None when it cannot be written."""
    folder = targets_dir(settings)
    prefix = f"{settings.namespace}{name}-"
    target = [
        {
            "targets": [f"{_host(settings)}:{port}"],
            "labels": {"processor": name, "crm_namespace": settings.namespace or "-"},
        }
    ]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_dead_targets(folder, prefix)
        path = folder / f"{prefix}{os.getpid()}.json"
        partial = path.with_suffix(".tmp")  # Prometheus must never read half a file
        partial.write_bytes(orjson.dumps(target))
        partial.replace(path)
    except OSError as error:
        where = {"folder": str(folder), "error": str(error)}
        log.warning("could not register the metrics target", extra=where)
        return None
    atexit.register(path.unlink, missing_ok=True)
    return path


def remove_dead_targets(folder: Path, prefix: str = "") -> list[Path]:
    """Remove the target files (named ``…-<pid>.json``) starting with ``prefix`` whose process is gone."""
    removed = []
    for path in folder.glob(f"{prefix}*.json"):
        pid = path.stem.rpartition("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True

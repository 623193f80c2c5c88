"""Start, stop and report the local services; what `crm stack up|down|status` and the tests call."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from rich.console import Console

from infra.stack.base import Service, ServiceStatus
from infra.stack.elasticsearch import Elasticsearch
from infra.stack.errors import StackError
from infra.stack.kafka import Kafka
from infra.stack.postgres import Postgres
from infra.stack.prometheus import Prometheus
from infra.stack.redis import Redis

if TYPE_CHECKING:
    from crm.settings import Settings

SERVICES: dict[str, type[Service]] = {
    "postgres": Postgres,
    "redis": Redis,
    "kafka": Kafka,
    "elasticsearch": Elasticsearch,
    "prometheus": Prometheus,
}
SERVICE_NAMES = tuple(SERVICES)


def _selected(settings: Settings, names: list[str] | None) -> list[Service]:
    unknown = sorted(set(names or ()) - set(SERVICES))
    if unknown:
        raise StackError(f"unknown service {', '.join(unknown)}; services: {', '.join(SERVICE_NAMES)}")
    return [SERVICES[name](settings) for name in (names or SERVICE_NAMES)]


def up(
    settings: Settings, names: list[str] | None = None, console: Console | None = None
) -> list[ServiceStatus]:
    """Start what is not running (concurrently), wait until each is healthy; leave running ones alone."""
    console = console or Console(stderr=True, quiet=True)
    services = _selected(settings, names)
    lock = threading.Lock()
    started = time.monotonic()

    def report(name: str, message: str) -> None:
        with lock:
            console.print(f"  {name:<14} {message}", highlight=False)

    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        futures = {pool.submit(service.up, report): service for service in services}
        results: dict[str, ServiceStatus] = {}
        for future, service in futures.items():
            try:
                results[service.name] = future.result()
            except StackError as error:
                failures.append(str(error))
            except Exception as error:  # an unexpected failure still names its service
                failures.append(f"{service.name}: {type(error).__name__}: {error}")
    if failures:
        raise StackError("; ".join(failures))
    console.print(f"[green]✓[/] {len(services)} services healthy ({time.monotonic() - started:.1f} s)")
    return [results[service.name] for service in services]


def down(
    settings: Settings, names: list[str] | None = None, console: Console | None = None
) -> list[ServiceStatus]:
    """Stop what `up` started (only processes recorded in our pid files), in reverse dependency order."""
    console = console or Console(stderr=True, quiet=True)
    statuses = []
    for service in reversed(_selected(settings, names)):
        was_running = service.pid() is not None
        statuses.append(service.down())
        if was_running:
            console.print(f"  {service.name:<14} stopped", highlight=False)
    return list(reversed(statuses))


def status(settings: Settings, names: list[str] | None = None) -> list[ServiceStatus]:
    services = _selected(settings, names)
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        return list(pool.map(lambda service: service.status(), services))

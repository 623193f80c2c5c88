"""(being built) Prometheus metrics of the API: request counts and latency per route, served at /metrics."""

from __future__ import annotations

from fastapi import FastAPI


def install_metrics(app: FastAPI) -> None:
    """Adds the /metrics route and the middleware that measures every request."""

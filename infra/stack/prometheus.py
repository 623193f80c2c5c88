"""Prometheus from Debian's packages, scraping the API and every processor that registers a target."""

from __future__ import annotations

from pathlib import Path

import httpx

from infra.stack import system
from infra.stack.base import Service

TEMPLATE = Path(__file__).resolve().parent.parent / "prometheus" / "prometheus.yml"
RULES_DIR = TEMPLATE.parent / "rules"


class Prometheus(Service):
    name = "prometheus"
    start_timeout = 60.0
    process_marker = "prometheus"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self.settings.prometheus_port

    @property
    def targets_dir(self) -> Path:
        """Processors drop a `<name>.json` file here (Prometheus file_sd format) when they start."""
        return self.settings.state_dir / "prometheus" / "targets"

    def install(self) -> None:
        if system.which("prometheus") is None:
            system.ensure_packages(["prometheus"], "Prometheus")

    def prepare(self) -> None:
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        config = TEMPLATE.read_text()
        config = config.replace("${SELF_TARGET}", self.address)
        config = config.replace("${API_TARGET}", f"localhost:{self.settings.api_port}")
        config = config.replace("${TARGETS_DIR}", str(self.targets_dir))
        config = config.replace("${RULES_DIR}", str(RULES_DIR))
        (self.dir / "prometheus.yml").write_text(config)

    def command(self) -> list[str]:
        return [
            system.which("prometheus") or "prometheus",
            f"--config.file={self.dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            "--storage.tsdb.retention.time=2d",
            f"--web.listen-address={self.host}:{self.port}",
        ]

    def healthy(self) -> bool:
        return httpx.get(f"http://{self.address}/-/ready", timeout=2).status_code == 200

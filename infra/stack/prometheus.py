"""Prometheus from Debian's packages, scraping the API and every processor that registers a target."""

from __future__ import annotations

from pathlib import Path

import httpx

from infra.stack import system
from infra.stack.base import Service
from processors.common.metrics_endpoint import remove_dead_targets

TEMPLATE = Path(__file__).resolve().parent.parent / "prometheus" / "prometheus.yml"
RULES_DIR = TEMPLATE.parent / "rules"


def render_config(self_target: str, api_port: int, targets_dir: Path, rules_dir: Path = RULES_DIR) -> str:
    """The configuration from the template: scrape itself, the API and every registered processor."""
    config = TEMPLATE.read_text()
    config = config.replace("${SELF_TARGET}", self_target)
    config = config.replace("${API_TARGET}", f"localhost:{api_port}")
    config = config.replace("${TARGETS_DIR}", str(targets_dir))
    return config.replace("${RULES_DIR}", str(rules_dir))


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
        # Targets of processors that died before this start (a crash, a test's SIGKILL) would only alert.
        remove_dead_targets(self.targets_dir)
        config = render_config(self.address, self.settings.api_port, self.targets_dir)
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

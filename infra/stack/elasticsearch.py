"""Elasticsearch from Maven Central's integ-test-zip: single node, security off, heap capped at 1 GiB.

It runs as the unprivileged service user (Elasticsearch refuses root) on a JDK 21+ (Temurin 25 here).
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

import httpx

from infra.stack import downloads
from infra.stack.base import Service, bind_host, host_port
from infra.stack.errors import StackError


def _java_home() -> Path:
    """ES_JAVA_HOME if set, else the newest JDK 21+ under /usr/lib/jvm."""
    if os.environ.get("ES_JAVA_HOME"):
        return Path(os.environ["ES_JAVA_HOME"])
    candidates = []
    for release in glob.glob("/usr/lib/jvm/*/release"):
        for line in Path(release).read_text(errors="replace").splitlines():
            if line.startswith("JAVA_VERSION="):
                major = int(line.split("=")[1].strip('"').split(".")[0])
                if major >= 21:
                    candidates.append((major, Path(release).parent))
    if not candidates:
        raise StackError(
            "elasticsearch needs a JDK 21 or newer: install one (e.g. Temurin 25) or set ES_JAVA_HOME"
        )
    return max(candidates)[1]


class Elasticsearch(Service):
    name = "elasticsearch"
    start_timeout = 180.0
    runs_as_service_user = True  # Elasticsearch refuses to run as root
    process_marker = "elasticsearch"

    @property
    def host(self) -> str:
        return host_port(self.settings.elasticsearch_url, 9200)[0]

    @property
    def port(self) -> int:
        return host_port(self.settings.elasticsearch_url, 9200)[1]

    def install(self) -> None:
        self.home = downloads.elasticsearch_home(self.downloads)
        self.java_home = _java_home()

    def prepare(self) -> None:
        config = self.dir / "config"
        for name in ("data", "logs", "tmp"):
            (self.dir / name).mkdir(parents=True, exist_ok=True)
        if not config.is_dir():
            shutil.copytree(self.home / "config", config)
        settings = {
            "cluster.name": "crm-local",
            "node.name": "crm-local-1",
            "path.data": str(self.dir / "data"),
            "path.logs": str(self.dir / "logs"),
            "network.host": bind_host(self.host),
            "http.port": str(self.port),
            "transport.port": str(self.port + 100),
            "discovery.type": "single-node",
            "xpack.security.enabled": "false",
            "xpack.ml.enabled": "false",
            # A laptop disk may be fuller than a server's: do not refuse to allocate shards for that.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "ingest.geoip.downloader.enabled": "false",
        }
        if not (self.home / "modules" / "x-pack-ml").is_dir():
            del settings["xpack.ml.enabled"]
        if not (self.home / "modules" / "ingest-geoip").is_dir():
            del settings["ingest.geoip.downloader.enabled"]
        (config / "elasticsearch.yml").write_text("".join(f"{k}: {v}\n" for k, v in settings.items()))

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "ES_JAVA_HOME": str(self.java_home),
            "ES_PATH_CONF": str(self.dir / "config"),
            "ES_TMPDIR": str(self.dir / "tmp"),
            "ES_JAVA_OPTS": "-Xms512m -Xmx1g",
        }

    def command(self) -> list[str]:
        return [str(self.home / "bin" / "elasticsearch")]

    def healthy(self) -> bool:
        # This build answers `GET /` with 405: the cluster health endpoint is the reliable probe.
        reply = httpx.get(f"http://{self.address}/_cluster/health", timeout=2)
        return reply.status_code == 200 and reply.json().get("status") in ("green", "yellow")

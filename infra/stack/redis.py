"""Redis from Debian's packages, with our own configuration and data directory."""

from __future__ import annotations

import redis as redis_client

from infra.stack import system
from infra.stack.base import Service, bind_host, host_port


class Redis(Service):
    name = "redis"
    start_timeout = 30.0
    process_marker = "redis-server"  # Redis rewrites the rest of its command line

    @property
    def host(self) -> str:
        return host_port(self.settings.redis_url, 6379)[0]

    @property
    def port(self) -> int:
        return host_port(self.settings.redis_url, 6379)[1]

    def install(self) -> None:
        if system.which("redis-server") is None:
            system.ensure_packages(["redis-server"], "Redis")

    def prepare(self) -> None:
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        (self.dir / "redis.conf").write_text(
            "\n".join(
                [
                    f"bind {bind_host(self.host)}",
                    f"port {self.port}",
                    "protected-mode yes",
                    "daemonize no",
                    f"dir {self.dir / 'data'}",
                    # Queues are rebuilt from Kafka state, so a snapshot now and then is plenty.
                    "save 300 100",
                    "appendonly no",
                    "maxmemory 1gb",
                    "maxmemory-policy noeviction",
                    "loglevel notice",
                ]
            )
            + "\n"
        )

    def command(self) -> list[str]:
        return [system.which("redis-server") or "redis-server", str(self.dir / "redis.conf")]

    def healthy(self) -> bool:
        client = redis_client.Redis(host=self.host, port=self.port, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()

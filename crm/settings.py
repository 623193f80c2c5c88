"""The one settings object (environment prefix ``CRM_``), built once by :func:`get_settings`.

Every default works against the local stack that ``crm stack up`` starts.
"""

from __future__ import annotations

import os
import secrets
from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_state_dir() -> Path:
    """The repo's ``.state/`` when running from a source checkout, else the user's cache dir."""
    if (REPO_ROOT / "pyproject.toml").is_file() and os.access(REPO_ROOT, os.W_OK):
        return REPO_ROOT / ".state"
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "collections-crm"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    kafka_brokers: str = "localhost:9092"
    database_url: str = "postgresql://crm:crm@localhost:5432/crm"
    redis_url: str = "redis://localhost:6379/0"
    elasticsearch_url: str = "http://localhost:9200"
    api_port: int = 8000
    state_dir: Path = Field(default_factory=default_state_dir)
    jwt_secret: str | None = None

    # Topic layout: 6 partitions keep both cores busy now and leave room to add instances later.
    topic_partitions: int = 6
    topic_replication_factor: int = 1
    # Prefix prepended to every topic name and the search index; lets tests share one broker.
    namespace: str = ""
    prometheus_port: int = 9090
    log_level: str = "INFO"
    log_json: bool = False

    def resolved_jwt_secret(self) -> str:
        """The configured secret, else one generated once and kept (0600) in the state dir."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.state_dir / "jwt_secret"
        if path.is_file():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret)
        return secret


@cache
def get_settings() -> Settings:
    return Settings()

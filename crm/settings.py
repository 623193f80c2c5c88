"""The one settings object (environment prefix ``CRM_``), built once by :func:`get_settings`.

Every default works against the local stack that ``crm stack up`` starts. Secrets never show: the JWT
secret is a ``SecretStr``, and the printed or JSON forms of the settings hide passwords in service URLs
(:func:`redact_credentials`); the code reads the real values (``settings.database_url``,
``settings.resolved_jwt_secret()``).
"""

from __future__ import annotations

import os
import re
import secrets
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr, field_serializer, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.business_date import DEFAULT_MAX_STEP_DAYS

REPO_ROOT = Path(__file__).resolve().parent.parent
HIDDEN = "**********"  # what a secret looks like when printed (pydantic's SecretStr shows the same)
# `scheme://user:password@` and libpq's `password=...`: the two ways a password travels inside a string
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*):[^/?#@\s]*@")  # RFC 3986 userinfo
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('[^']*'|[^\s&]+)", re.IGNORECASE)
_URL_FIELDS = ("kafka_brokers", "database_url", "redis_url", "elasticsearch_url")


def redact_credentials(text: str) -> str:
    """``text`` with every password in a URL (``postgresql://u:***@h``) or a ``password=`` pair hidden."""
    if "@" not in text and "=" not in text:  # neither form can be there: most log lines, at no regex cost
        return text
    return _KEYWORD_PASSWORD.sub(rf"\1{HIDDEN}", _URL_PASSWORD.sub(rf"\1:{HIDDEN}@", text))


def _revealed(secret: SecretStr | str | None) -> str | None:
    # model_copy(update=...) skips validation, so a copy may hold a plain str where a SecretStr belongs
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


def default_state_dir() -> Path:
    """The repo's ``.state/`` when running from a source checkout, else the user's cache dir."""
    if (REPO_ROOT / "pyproject.toml").is_file() and os.access(REPO_ROOT, os.W_OK):
        return REPO_ROOT / ".state"
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "collections-crm"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    kafka_brokers: str = Field("localhost:9092", description="Kafka bootstrap servers, comma-separated.")
    database_url: str = Field(
        "postgresql://crm:crm@localhost:5432/crm", description="PostgreSQL connection URL."
    )
    redis_url: str = Field("redis://localhost:6379/0", description="Redis URL (queues, live events).")
    elasticsearch_url: str = Field("http://localhost:9200", description="Elasticsearch URL (search).")
    api_port: int = Field(8000, description="Port of the HTTP API and the web app.")
    state_dir: Path = Field(
        default_factory=default_state_dir,
        description="Services' data, logs, pid files and cached downloads. Default: the checkout's "
        "`.state/`, else `~/.cache/collections-crm`.",
    )
    jwt_secret: SecretStr | None = Field(
        None, description="Secret that signs API tokens. Default: generated once and kept in the state dir."
    )
    # 6 partitions keep both cores busy now and leave room to add processor instances later.
    topic_partitions: int = Field(6, ge=1, description="Partitions of each topic `crm init` creates.")
    topic_replication_factor: int = Field(1, ge=1, description="Replication factor of created topics.")
    namespace: str = Field(
        "",
        pattern=r"^[A-Za-z0-9._-]*$",
        description="Prefix of every topic and search index name; lets several runs share one cluster.",
    )
    prometheus_port: int = Field(9090, description="Port of the Prometheus that `crm stack up` runs.")
    metrics_port: int = Field(
        9400,
        ge=0,
        le=65_000,
        description="First port of the processors' Prometheus endpoints: each serves /metrics on this plus "
        "its position in `crm run`'s list (entities 9400 … search 9407); a taken port moves to a free one. "
        "0 turns the endpoints off.",
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the processors' metrics endpoints listen on (0.0.0.0 for a Prometheus on "
        "another host).",
    )
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING, ERROR.")
    log_json: bool = Field(False, description="Log one JSON object per line instead of key=value text.")
    processor_commit_interval: float = Field(
        0.1,
        gt=0,
        le=60,
        description="Seconds between a processor's checkpoints (state, outputs, offsets and sinks committed "
        "together). Each hop of the pipeline adds up to this much latency; longer means fewer transactions.",
    )
    processor_backlog_commit_interval: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Seconds between a processor's checkpoints while it has a backlog (at least "
        "CRM_PROCESSOR_BACKLOG_MESSAGES behind, e.g. a bulk load or a replay): fewer, larger transactions "
        "and sink batches. Back to CRM_PROCESSOR_COMMIT_INTERVAL once it has caught up.",
    )
    processor_backlog_messages: int = Field(
        5_000,
        ge=1,
        description="Messages behind (over all of a processor's input partitions) from which it counts as "
        "having a backlog; the lag is read every 5 s.",
    )
    business_date_max_step_days: int = Field(
        DEFAULT_MAX_STEP_DAYS,
        ge=1,
        description="How many days one business date may come after the latest one. A later date is "
        "dead-lettered: it would age every open loan at once, for good (2062 typed for 2026). A real gap "
        "that long is crossed by publishing dates in between. Replays apply the value in force.",
    )
    delinquency_tick_chunk: int = Field(
        5_000,
        ge=1,
        description="Loans the delinquency processor ages per message when a business date comes. A date "
        "that ages more (the first one after a bulk load ages every loan) is worked off in several "
        "messages, each in a transaction of its own, well inside Kafka's transaction timeout (60 s).",
    )
    allocation_return_days: int = Field(
        30,
        ge=0,
        description="A customer who leaves collections (cured) and becomes delinquent again within this many "
        "days (business dates) returns to the agent who worked them, when that agent still fits and has "
        "room, instead of the least loaded one: the agent knows the case. 0 turns it off.",
    )
    queues_tick_chunk: int = Field(
        5_000,
        ge=1,
        description="Queued customers the queues processor re-ranks per message when a business date comes "
        "(whole shards of its index, so a part can be a few more). A partition with more is worked off in "
        "several messages, so the partition's other messages (a payment that clears a customer) wait for "
        "one part, not for the whole re-rank.",
    )
    strategy_reevaluation_chunk: int = Field(
        5_000,
        ge=1,
        description="Customers the strategy processor re-evaluates per message when a re-evaluation is "
        "requested (a new strategy version), or when a business date brings customers' DPD to where a "
        "condition turns. A partition with more is worked off in several messages, each in a transaction "
        "of its own, well inside Kafka's transaction timeout (60 s).",
    )
    promise_grace_days: int = Field(
        3, ge=0, description="Days after a promise's date during which payments still keep it."
    )
    promise_tolerance: Decimal = Field(
        Decimal(0),
        ge=0,
        description="A promise counts as kept when payments reach its amount minus this (same currency).",
    )
    dictionaries_file: Path | None = Field(
        None,
        description="A JSON file of code dictionaries (action types, subtypes, results, segments, customer "
        "statuses) replacing the built-in defaults until an admin saves dictionaries in the web app "
        "(PUT /api/admin/dictionaries); see docs/api.md.",
    )
    queue_priority_weights: dict[str, int | float] = Field(
        {},
        description="Weights of the queue priority that replace the defaults, as JSON, e.g. "
        '`{"per_dpd_day": 2, "follow_up_due": 60}` (names and defaults: docs/processors/queues.md). '
        "The queues processor re-scores every queued customer with them when it starts.",
    )
    customer_default_timezone: str = Field(
        "UTC",
        description="IANA time zone of customers whose record names none (or one not known here): their "
        "calling hours (`CRM_CALLING_HOURS`) are counted in it, in the queues and when an action is "
        "recorded. Set the bank's own, e.g. `Asia/Ho_Chi_Minh`.",
    )
    calling_hours: str = Field(
        "08:00-21:00",
        description="Local clock hours in which customers may be called, texted or visited, HH:MM-HH:MM "
        "(the end excluded; 24:00 for midnight), each in the customer's time zone: the queues' "
        "`contactable_now` and the check when an action is recorded. Set your jurisdiction's; "
        "`00:00-24:00` lifts the rule (a demo at any hour).",
    )
    metrics_networks: str = Field(
        "127.0.0.0/8,::1/128",
        description="Client networks (comma-separated CIDRs) allowed to read the API's GET /metrics.",
    )

    @field_validator("queue_priority_weights")
    @classmethod
    def _known_weights(cls, weights: dict[str, int | float]) -> dict[str, int | float]:
        from domain.errors import InvalidConfig
        from domain.priority import PriorityWeights

        unknown = sorted(set(weights) - set(PriorityWeights.__dataclass_fields__))
        if unknown:
            known = ", ".join(PriorityWeights.__dataclass_fields__)
            raise ValueError(f"unknown priority weight {', '.join(unknown)} (known: {known})")
        try:
            PriorityWeights(**weights)
        except InvalidConfig as error:
            raise ValueError(str(error)) from None
        return weights

    @field_validator("calling_hours")
    @classmethod
    def _readable_hours(cls, hours: str) -> str:
        from domain.compliance import calling_hours

        calling_hours(hours)  # InvalidConfig is a ValueError: pydantic reports its message
        return hours

    @field_validator("customer_default_timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{name!r} is not an IANA time zone known here (e.g. Europe/Paris, UTC)"
            ) from None
        return name

    def __repr_args__(self):
        """What repr() and str() show: URLs without passwords, the JWT secret hidden whatever its type."""
        for name, value in super().__repr_args__():
            if name == "jwt_secret" and value is not None:
                yield name, SecretStr(HIDDEN)
            elif isinstance(value, str):
                yield name, redact_credentials(value)
            else:
                yield name, value

    @field_serializer(*_URL_FIELDS, when_used="json")
    def _url_without_password(self, url: str) -> str:
        return redact_credentials(url)

    @field_serializer("jwt_secret", when_used="json")
    def _hidden_secret(self, secret: SecretStr | str | None) -> str | None:
        return None if secret is None else HIDDEN

    def resolved_jwt_secret(self) -> str:
        """The configured secret, else one generated once and kept (0600) in the state dir."""
        configured = _revealed(self.jwt_secret)
        if configured:
            return configured
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

"""Secrets come from the settings and never show: not in the settings' printed or JSON forms, not in a log."""

from __future__ import annotations

import dataclasses
import logging

import orjson
import pytest

from api.resources import Resources
from crm.settings import Settings, redact_credentials

DB_PASSWORD = "db-Pa55-word"
REDIS_PASSWORD = "redis-Pa55"
ES_PASSWORD = "es-Pa55"
JWT_SECRET = "jwt-signing-secret-0123456789abcdef"
SECRETS = (DB_PASSWORD, REDIS_PASSWORD, ES_PASSWORD, JWT_SECRET)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        database_url=f"postgresql://crm:{DB_PASSWORD}@db.internal:5432/crm",
        redis_url=f"redis://:{REDIS_PASSWORD}@cache.internal:6379/0",
        elasticsearch_url=f"https://elastic:{ES_PASSWORD}@search.internal:9200",
        jwt_secret=JWT_SECRET,
        state_dir=tmp_path,
    )


def _reveals(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_printed_and_json_forms_of_the_settings_hide_every_secret(settings):
    for form in (repr(settings), str(settings), settings.model_dump_json(), f"{settings!r}"):
        assert _reveals(form) == [], form
    dumped = orjson.loads(settings.model_dump_json())
    assert dumped["database_url"] == "postgresql://crm:**********@db.internal:5432/crm"
    assert dumped["jwt_secret"] == "**********"
    assert dumped["api_port"] == settings.api_port  # the rest is still there


def test_the_code_still_reads_the_real_values(settings):
    assert DB_PASSWORD in settings.database_url
    assert settings.resolved_jwt_secret() == JWT_SECRET


def test_a_copy_with_a_plain_string_secret_is_hidden_and_used_too(settings):
    # model_copy(update=...) does not validate: the secret stays a str (as the tests' fixtures do)
    copy = settings.model_copy(update={"jwt_secret": "copied-secret-" + "z" * 20})
    assert "copied-secret" not in repr(copy) + copy.model_dump_json()
    assert copy.resolved_jwt_secret() == "copied-secret-" + "z" * 20


def test_the_secret_from_the_environment_is_a_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_JWT_SECRET", JWT_SECRET)
    from_env = Settings(state_dir=tmp_path)
    assert JWT_SECRET not in repr(from_env)
    assert from_env.resolved_jwt_secret() == JWT_SECRET


def test_without_a_secret_one_is_made_once_and_kept(tmp_path):
    first = Settings(state_dir=tmp_path).resolved_jwt_secret()
    assert len(first) >= 48 and Settings(state_dir=tmp_path).resolved_jwt_secret() == first
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0  # readable by its owner only


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("postgresql://crm:pw@h:5432/crm", "postgresql://crm:**********@h:5432/crm"),
        ("redis://:pw@h:6379/0", "redis://:**********@h:6379/0"),
        (
            "failed: http://u:p%40ss@es:9200/_bulk (timeout)",
            "failed: http://u:**********@es:9200/_bulk (timeout)",
        ),
        ("host=db user=crm password=pw dbname=crm", "host=db user=crm password=********** dbname=crm"),
        ("PASSWORD = 'two words'", "PASSWORD = **********"),
        ("?user=crm&password=pw&sslmode=require", "?user=crm&password=**********&sslmode=require"),
        # nothing secret: unchanged
        ("http://localhost:9200", "http://localhost:9200"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        ("agent a@b.example met at 10:30", "agent a@b.example met at 10:30"),
        ("http://es:9200/_search?owner=a@b.example", "http://es:9200/_search?owner=a@b.example"),
    ],
)
def test_redact_credentials(text, redacted):
    assert redact_credentials(text) == redacted


@pytest.mark.parametrize("json", [False, True], ids=["key-value", "json"])
def test_a_log_record_with_a_dsn_is_redacted_everywhere_in_it(captured_logs, settings, json):
    buffer = captured_logs(json)
    log = logging.getLogger("tests.secrets")
    log.warning("cannot connect to %s", settings.database_url, extra={"target": settings.redis_url})
    log.info("probe", extra={"error": ConnectionError(f"refused by {settings.elasticsearch_url}")})
    try:
        raise RuntimeError(f"connection to {settings.database_url} failed")
    except RuntimeError:
        log.exception("migration failed")
    written = buffer.getvalue()
    assert _reveals(written) == []
    # what a person needs is still there: which host, which user, the traceback
    for kept in ("db.internal:5432", "crm:**********@", "cache.internal", "search.internal", "Traceback"):
        assert kept in written
    if json:
        assert [orjson.loads(line)["level"] for line in written.splitlines() if line.startswith("{")] == [
            "WARNING",
            "INFO",
            "ERROR",
        ]


def test_the_api_resources_do_not_print_the_signing_secret():
    jwt_field = next(f for f in dataclasses.fields(Resources) if f.name == "jwt_secret")
    assert jwt_field.repr is False

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from crm.ingest import IngestError, ingest_file
from tests.kafka_helpers import message_count, read_all
from tests.services import initialized_namespace
from topics import INGEST_ORDER, get_topic, physical_name

pytestmark = pytest.mark.integration


def crm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crm", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    from crm.generator import generate_portfolio

    out = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(out, 300, 7, workers=1, progress=False)
    return out


@pytest.fixture(scope="module")
def own_namespace(service_addresses, run_id, cli_env):
    """Topics of this module's own: other tests of the session produce to the shared namespace's topics
    (payments and actions through the API), and this one reads whole topics."""
    with initialized_namespace(service_addresses, f"i{run_id}", cli_env) as namespace:
        yield namespace


@pytest.mark.parametrize("topic", INGEST_ORDER)
def test_a_generated_file_goes_to_kafka_keyed_and_byte_identical(own_namespace, portfolio, topic):
    initialized, env = own_namespace
    path = portfolio / f"{topic}.jsonl"
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    result = crm(env, "ingest", topic, str(path))
    assert result.returncode == 0, result.stderr
    assert f"{len(lines):,} produced, 0 rejected" in result.stderr

    messages = read_all(initialized.kafka_brokers, physical_name(topic, initialized), len(lines))
    assert sorted(value for _, value in messages) == sorted(lines)
    key_field = get_topic(topic).key_field
    for key, value in messages:
        assert key.decode() == str(orjson.loads(value).get(key_field, "MAIN"))


def test_invalid_lines_are_reported_with_line_numbers_and_not_produced(
    initialized, cli_env, portfolio, tmp_path
):
    good = (portfolio / "payments.jsonl").read_bytes().splitlines()[:3]
    negative = orjson.loads(good[0]) | {"amount": "-5.00", "reference_number": "BAD-NEG"}
    unknown_field = orjson.loads(good[1]) | {"colour": "red", "reference_number": "BAD-FIELD"}
    path = tmp_path / "payments.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                good[0],
                b"{not json",
                orjson.dumps(negative),
                good[1],
                orjson.dumps(unknown_field),
                good[2],
                b"",
            ]
        )
        + b"\n"
    )
    topic = physical_name("payments", initialized)
    before = message_count(initialized.kafka_brokers, topic)

    result = crm(cli_env, "ingest", "payments", str(path))

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith(f"{path}:")]
    assert [line.split(":")[1] for line in errors] == ["2", "3", "5"]
    assert "invalid JSON" in errors[0]
    assert "amount" in errors[1]
    assert "colour" in errors[2]
    assert "3 produced, 3 rejected of 6 read" in result.stderr
    assert message_count(initialized.kafka_brokers, topic) == before + 3


def test_validate_only_produces_nothing(initialized, cli_env, portfolio):
    topic = physical_name("bank.collaterals", initialized)
    before = message_count(initialized.kafka_brokers, topic)
    result = crm(
        cli_env, "ingest", "--validate-only", "bank.collaterals", str(portfolio / "bank.collaterals.jsonl")
    )
    assert result.returncode == 0, result.stderr
    assert "validated" in result.stderr
    assert message_count(initialized.kafka_brokers, topic) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bank.loan", "x.jsonl"), "unknown topic 'bank.loan'"),
        (("delinquency.loans", "x.jsonl"), "produced by the processors, not ingested"),
        (("payments", "/nonexistent/payments.jsonl"), "/nonexistent/payments.jsonl: no such file"),
    ],
)
def test_unusable_arguments_give_one_line_errors(cli_env, args, message):
    result = crm(cli_env, "ingest", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_broker_down_is_one_line(cli_env, portfolio):
    env = {**cli_env, "CRM_KAFKA_BROKERS": "127.0.0.1:1"}
    result = crm(env, "ingest", "payments", str(portfolio / "payments.jsonl"))
    assert result.returncode == 2
    assert "cannot reach Kafka at 127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_topic_points_at_crm_init(settings, portfolio):
    lonely = settings.model_copy(update={"namespace": settings.namespace + "absent."})
    with pytest.raises(IngestError, match="run `crm init` first"):
        ingest_file(lonely, "payments", portfolio / "payments.jsonl")


def test_a_loan_snapshot_dated_after_it_is_sent_is_reported_and_not_produced(
    initialized, cli_env, portfolio, tmp_path
):
    """Produced now, a snapshot as of 2062 (a date typed in the future) would replace every later one of the
    loan until then: the line is refused, saying so, as the processors refuse it from Kafka."""
    loan = orjson.loads((portfolio / "bank.loans.jsonl").read_bytes().splitlines()[0])
    path = tmp_path / "bank.loans.jsonl"
    path.write_bytes(orjson.dumps(loan | {"as_of": "2062-01-31T20:00:00+07:00"}) + b"\n" + orjson.dumps(loan))
    result = crm(cli_env, "ingest", "bank.loans", str(path))
    assert result.returncode == 1
    assert f"{path}:1: as_of: 2062-01-31T20:00:00+07:00 is more than a day after the message was sent" in (
        " ".join(result.stderr.split())
    )
    assert "1 produced, 1 rejected of 2 read" in result.stderr

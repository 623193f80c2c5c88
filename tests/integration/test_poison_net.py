"""The net under every processor (`processors.common.poison`), on a real broker: a value its code fails
on is dead-lettered when its topic has a `.dlq` twin, skipped and counted when it has not, and either way
the processor commits past it and goes on instead of stopping at it on every restart."""

from __future__ import annotations

import uuid

import orjson
import pytest
from prometheus_client import REGISTRY

from processors.common.app import make_application, registry_topic
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration


def skipped(processor: str, topic: str, reason: str) -> float:
    labels = {"processor": processor, "topic": topic, "reason": reason}
    return REGISTRY.get_sample_value("crm_processor_skipped_total", labels) or 0.0


def run_on_payments_and_ticks(settings, name: str) -> list:
    """Run a processor named ``name`` that reads each payment's account and each tick's date, until nothing
    came for 5 s; then every offset must be committed past. What it read."""
    payments, ticks = physical_name("payments", settings), physical_name("delinquency.ticks", settings)
    app = make_application(settings, name)
    seen: list = []
    app.dataframe(registry_topic(app, settings, "payments", value="bytes")).apply(
        lambda value: seen.append(orjson.loads(value)["account_number"])
    )
    app.dataframe(registry_topic(app, settings, "delinquency.ticks")).apply(
        lambda value: seen.append(value["date"])
    )
    app.run(timeout=5)
    wait_caught_up(settings.kafka_brokers, f"{settings.namespace}crm-{name}", [payments, ticks], 30)
    return seen


def test_values_the_code_fails_on_are_dead_lettered_or_skipped_and_the_processor_goes_on(
    service_addresses, run_id, cli_env
):
    name = f"poison{uuid.uuid4().hex[:6]}"
    with initialized_namespace(service_addresses, f"p{run_id}", cli_env) as (settings, _env):
        producer = make_producer(settings)
        payments, ticks = physical_name("payments", settings), physical_name("delinquency.ticks", settings)
        producer.produce(payments, b'{"reference_number": "R1"}', b"LN1")  # no account_number
        producer.produce(payments, b'{"account_number": "LN2"}', b"LN2")
        producer.produce(ticks, b"{}", b"tick-0")  # no date
        producer.produce(ticks, b'{"date": "2026-03-02"}', b"tick-0")
        producer.produce(ticks, b"not json", b"tick-0")  # the last: nothing after it commits past it
        producer.flush()

        seen = run_on_payments_and_ticks(settings, name)

        assert sorted(seen) == ["2026-03-02", "LN2"]  # the good values around the bad ones
        [(key, value)] = read_all(settings.kafka_brokers, physical_name("payments.dlq", settings), 1)
        letter = orjson.loads(value)
        assert key == b"LN1" and letter["processor"] == name and letter["offset"] == 0
        assert (letter["error_type"], letter["error"]) == ("KeyError", "KeyError: 'account_number'")
        assert letter["value"] == '{"reference_number": "R1"}'
        assert skipped(name, "delinquency.ticks", "SerializationError") == 1
        assert skipped(name, "delinquency.ticks", "KeyError") == 1


def test_a_key_that_is_not_utf8_or_a_value_too_large_for_a_whole_letter_stops_nothing(
    service_addresses, run_id, cli_env
):
    """Any producer can send a key that is not text, and a value near the broker's limit: the framework's
    own key deserializer raised UnicodeDecodeError, and a letter holding a 900 KB value twice (as text and
    base64) was refused by the producer; either stopped the processor at that message on every start."""
    name = f"poison{uuid.uuid4().hex[:6]}"
    with initialized_namespace(service_addresses, f"q{run_id}", cli_env) as (settings, _env):
        producer = make_producer(settings, **{"message.max.bytes": 2_000_000})
        payments, ticks = physical_name("payments", settings), physical_name("delinquency.ticks", settings)
        huge = orjson.dumps({"reference_number": "R-HUGE", "note": "x" * 900_000})  # no account_number
        producer.produce(payments, b'{"account_number": "LN1"}', b"\xff\xfeLN1")
        producer.produce(payments, huge, b"LN-HUGE")
        producer.produce(payments, b'{"account_number": "LN2"}', b"LN2")
        producer.produce(ticks, b'{"date": "2026-03-02"}', b"\xfftick")
        producer.produce(ticks, b'{"date": "2026-03-03"}', b"tick-0")
        producer.flush()

        seen = run_on_payments_and_ticks(settings, name)

        assert sorted(seen) == ["2026-03-03", "LN2"]
        letters = {
            key: orjson.loads(value)
            for key, value in read_all(settings.kafka_brokers, physical_name("payments.dlq", settings), 2)
        }
        unreadable = letters[b"\xff\xfeLN1"]
        assert unreadable["error_type"] == "SerializationError" and "not UTF-8" in unreadable["error"]
        assert unreadable["key"] == "\ufffd\ufffdLN1" and unreadable["value"] == '{"account_number": "LN1"}'
        cut = letters[b"LN-HUGE"]
        assert cut["error_type"] == "KeyError" and cut["value_size"] == len(huge) and cut["value_b64"] == ""
        assert huge.startswith(cut["value"].encode())
        assert skipped(name, "delinquency.ticks", "SerializationError") == 1


def test_a_message_every_reader_fails_on_alike_is_dead_lettered_once_by_its_twins_writer(
    service_addresses, run_id, cli_env
):
    with initialized_namespace(service_addresses, f"o{run_id}", cli_env) as (settings, _env):
        customers = physical_name("bank.customers", settings)
        producer = make_producer(settings)
        producer.produce(customers, b'{"cif": "C1"}', b"\xffC1")
        producer.flush()
        for name in ("search", "entities"):  # both read bank.customers; entities writes its twin
            app = make_application(settings, name)
            app.dataframe(registry_topic(app, settings, "bank.customers", value="bytes"))
            app.run(timeout=5)
            wait_caught_up(settings.kafka_brokers, f"{settings.namespace}crm-{name}", [customers], 30)
        [(key, value)] = read_all(settings.kafka_brokers, physical_name("bank.customers.dlq", settings))
        assert key == b"\xffC1" and orjson.loads(value)["processor"] == "entities"
        assert skipped("search", "bank.customers", "SerializationError") == 1

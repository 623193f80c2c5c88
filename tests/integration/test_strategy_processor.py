"""The strategy processor end to end: customers and their delinquency through real Kafka into PostgreSQL,
under a strategy published to `config.strategies`, then re-evaluated under a new version on request, then
on business dates that bring customers' DPD to the new version's threshold with no record of their own."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date

import orjson
import psycopg
import pytest
from confluent_kafka.admin import AdminClient
from psycopg import sql

from api.publishing import request_reevaluation
from processors.common.partitioning import broadcast_keys
from processors.delinquency.app import TICK_KEY_PREFIX
from processors.registry import INPUTS as PROCESSOR_INPUTS
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from tests.unit.test_strategy_logic import CUSTOMER, delinquency
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
INPUTS = PROCESSOR_INPUTS["strategy"]
CUSTOMERS = 60
REEVALUATION_CHUNK = 3


def config(version: int, late_dpd: int) -> dict:
    return {
        "strategy_id": "default",
        "version": version,
        "published_at": "2026-03-01T09:00:00+00:00",
        "groups": [
            {
                "id": "CALLS",
                "name": "Calls",
                "campaigns": [
                    {
                        "id": "LATE",
                        "name": "Late",
                        "priority": 1,
                        "conditions": [{"field": "delinquency.max_dpd", "operator": ">=", "value": late_dpd}],
                        "contact_rules": [{"phone_types": ["MOBILE"]}],
                        "team": "T1",
                        "agent_type": "CALL",
                    },
                    {
                        "id": "EARLY",
                        "name": "Early",
                        "priority": 2,
                        "conditions": [{"field": "delinquency.max_dpd", "operator": ">", "value": 0}],
                    },
                ],
            }
        ],
    }


def expected_campaign(dpd: int, late_dpd: int) -> list[str]:
    return ["LATE"] if dpd >= late_dpd else (["EARLY"] if dpd > 0 else [])


def assignments(settings, *columns: str) -> dict[str, tuple]:
    """``strategy_assignments`` as {cif: (the columns)}."""
    query = sql.SQL("SELECT cif, {} FROM strategy_assignments").format(
        sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with psycopg.connect(settings.database_url) as conn:
        return {cif: tuple(values) for cif, *values in conn.execute(query).fetchall()}


def test_customers_land_in_campaigns_and_follow_a_new_version_on_request(service_addresses, run_id, cli_env):
    with initialized_namespace(service_addresses, f"s{run_id}", cli_env) as (settings, env):
        producer = make_producer(settings)
        strategies = physical_name("config.strategies", settings)
        producer.produce(strategies, b"{not json", b"default")  # a bad value is logged and skipped
        producer.produce(strategies, orjson.dumps(config(1, 30)), b"default")
        dpds = {f"C{n:03d}": (n * 7) % 90 for n in range(CUSTOMERS)}
        for cif, dpd in dpds.items():
            producer.produce(
                physical_name("bank.customers", settings),
                orjson.dumps({**CUSTOMER, "cif": cif}),
                cif.encode(),
            )
            record = {**delinquency(dpd=dpd), "cif": cif}
            producer.produce(
                physical_name("delinquency.customers", settings), orjson.dumps(record), cif.encode()
            )
        producer.flush(30)
        group = f"{settings.namespace}crm-strategy"
        inputs = [physical_name(t, settings) for t in INPUTS]
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "strategy"],
            env={**env, "CRM_STRATEGY_REEVALUATION_CHUNK": str(REEVALUATION_CHUNK)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_caught_up(settings.kafka_brokers, group, inputs, 120)
            with psycopg.connect(settings.database_url) as conn:
                rows = dict(conn.execute("SELECT cif, campaign_ids FROM strategy_assignments").fetchall())
            assert rows == {cif: expected_campaign(dpd, 30) for cif, dpd in dpds.items()}
            on_topic = read_all(
                settings.kafka_brokers, physical_name("strategy.assignments", settings), CUSTOMERS
            )
            assert len(on_topic) == CUSTOMERS

            producer.produce(strategies, orjson.dumps(config(2, 60)), b"default")
            producer.flush(30)
            accepted = request_reevaluation(producer, settings, "default", 2)
            assert accepted.partitions == settings.topic_partitions
            wait_caught_up(settings.kafka_brokers, group, inputs, 120)
            rows = assignments(settings, "strategy_version", "campaign_ids")
            assert rows == {cif: (2, expected_campaign(dpd, 60)) for cif, dpd in dpds.items()}
            # 60 customers over 6 partitions, 3 a part: each request went on in continuations of its own
            requests = read_all(settings.kafka_brokers, physical_name("strategy.reevaluate", settings))
            continued = [orjson.loads(value) for _key, value in requests if b'"continued"' in value]
            assert len(requests) - len(continued) == settings.topic_partitions
            assert len(continued) >= CUSTOMERS // REEVALUATION_CHUNK - settings.topic_partitions
            assert {(c["version"], c["continued"]) for c in continued} == {(2, True)}

            # Business dates with no delinquency record: DPD 50-59 on the 10th reach 60 by the 20th, and
            # 30-49 by 9 April; each is judged on the first date it reaches (a late-turning one later)
            ticks = physical_name("delinquency.ticks", settings)
            for day in ("2026-03-20", "2026-04-09"):
                for key in broadcast_keys(TICK_KEY_PREFIX, settings.topic_partitions):
                    tick = {"date": day, "bank": "MAIN", "partition_key": key}
                    producer.produce(ticks, orjson.dumps(tick), key.encode())
            producer.flush(30)
            wait_caught_up(settings.kafka_brokers, group, inputs, 120)
            rows = assignments(settings, "campaign_ids", "business_date")
            grown = {cif: dpd + 30 if dpd else 0 for cif, dpd in dpds.items()}
            assert {cif: campaigns for cif, (campaigns, _day) in rows.items()} == {
                cif: expected_campaign(dpd, 60) for cif, dpd in grown.items()
            }
            # the 20th's rest may be worked off after the 9th has arrived: then on the 9th
            turned = {cif: day for cif, (_c, day) in rows.items() if day != date(2026, 3, 10)}
            assert turned.keys() == {cif for cif, dpd in dpds.items() if 30 <= dpd < 60}
            assert all(
                day in ({date(2026, 3, 20), date(2026, 4, 9)} if dpds[cif] >= 50 else {date(2026, 4, 9)})
                for cif, day in turned.items()
            )
            assert date(2026, 3, 20) in turned.values()
            requests = read_all(settings.kafka_brokers, physical_name("strategy.reevaluate", settings))
            assert any(b'"turns_of":"2026-04-09"' in value for _key, value in requests)  # 3 a part here too
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output[-3000:]
        assert "configuration rejected" in output


def contacts_added(cif: str, version: int, *numbers: str, emails: tuple[str, ...] = ()) -> dict:
    """A `crm.contacts` list as the API publishes it: verified mobiles and work emails."""
    return {
        "cif": cif,
        "version": version,
        "updated_at": "2026-03-11T09:00:00+00:00",
        "updated_by": "agent1",
        "phones": [{"type": "MOBILE", "number": n, "is_verified": True, "note": ""} for n in numbers],
        "emails": [{"type": "WORK", "address": a, "is_verified": False, "note": ""} for a in emails],
    }


def with_a_legal_campaign(strategy: dict) -> dict:
    """The strategy with a first campaign for customers whose case agents put in LEGAL."""
    legal = {
        "id": "LEGAL",
        "name": "With the lawyers",
        "priority": 0,
        "conditions": [{"field": "case.state", "operator": "=", "value": "LEGAL"}],
    }
    [group] = strategy["groups"]
    return {**strategy, "groups": [{**group, "campaigns": [legal, *group["campaigns"]]}]}


def case_saved(cif: str, version: int, state: str | None) -> dict:
    return {
        "cif": cif,
        "state": state,
        "recovery_ability": None,
        "version": version,
        "updated_at": "2026-03-11T09:00:00+00:00",
        "updated_by": "agent1",
    }


def call_on(cif: str, action_id: str, result: str, at: str, number: str) -> dict:
    """A call an agent recorded on ``number``, as `agent.actions` carries it."""
    return {
        "action_id": action_id,
        "cif": cif,
        "agent_id": "AG-1",
        "type": "CALL",
        "subtype": "OUTBOUND",
        "result": result,
        "at": at,
        "contact": {"channel": "PHONE", "number": number},
    }


def test_what_agents_keep_on_the_customer_steers_the_campaigns(service_addresses, run_id, cli_env):
    """Phones agents added are selected; a case put in LEGAL moves the customer; bad values dead-lettered."""
    with initialized_namespace(service_addresses, f"c{run_id}", cli_env) as (settings, env):
        producer = make_producer(settings)
        strategy = orjson.dumps(with_a_legal_campaign(config(1, 30)))
        producer.produce(physical_name("config.strategies", settings), strategy, b"default")
        customer = {**CUSTOMER, "source_system": "T24"}
        producer.produce(physical_name("bank.customers", settings), orjson.dumps(customer), b"C1")
        record = orjson.dumps(delinquency())
        producer.produce(physical_name("delinquency.customers", settings), record, b"C1")
        added = physical_name("crm.contacts", settings)
        producer.produce(added, orjson.dumps(contacts_added("C1", 1, "+84 91 555 0001")), b"C1")
        producer.produce(added, b"{not json", b"C1")
        producer.produce(added, orjson.dumps(contacts_added("C2", 1, "+84 91 555 0002")), b"C1")  # wrong key
        producer.produce(added, None, b"C1")
        cases = physical_name("crm.cases", settings)
        producer.produce(cases, orjson.dumps({**case_saved("C1", 1, "LEGAL"), "version": 0}), b"C1")
        producer.flush(30)
        group = f"{settings.namespace}crm-strategy"
        inputs = [physical_name(t, settings) for t in INPUTS]
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "strategy"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def selected() -> list[str]:
            [(campaigns,)] = assignments(settings, "campaigns").values()
            return [c["value"] for c in campaigns[0]["contacts"]]

        try:
            wait_caught_up(settings.kafka_brokers, group, inputs, 120)
            assert selected() == [
                "+84 90 000 0001",
                "+84 91 555 0001",
            ]  # the bank's mobile, then the added one
            letters = read_all(
                settings.kafka_brokers, physical_name("crm.contacts.dlq", settings), 3, timeout=30
            )
            assert sorted(orjson.loads(value)["error_type"] for _key, value in letters) == [
                "KeyMismatch",
                "NullValue",
                "ValidationError",
            ]
            producer.produce(added, orjson.dumps(contacts_added("C1", 2)), b"C1")  # the agent removed it
            producer.flush(30)
            wait_caught_up(settings.kafka_brokers, group, inputs, 120)
            assert selected() == ["+84 90 000 0001"]

            # reported wrong, then reached on it later: the number was right after all
            actions = physical_name("agent.actions", settings)
            for n, result, at in (("1", "WRONG_NUMBER", "09:00"), ("2", "CALLBACK", "10:00")):
                call = call_on("C1", f"A{n}", result, f"2026-03-10T{at}:00+07:00", "84900000001")
                producer.produce(actions, orjson.dumps(call), b"C1")
                producer.flush(30)
                wait_caught_up(settings.kafka_brokers, group, inputs, 120)
                assert selected() == ([] if result == "WRONG_NUMBER" else ["+84 90 000 0001"]), result
            [(_key, letter)] = read_all(settings.kafka_brokers, f"{cases}.dlq", 1, timeout=30)
            assert orjson.loads(letter)["error_type"] == "ValidationError"  # version 0

            producer.produce(cases, orjson.dumps(case_saved("C1", 1, "LEGAL")), b"C1")
            producer.flush(30)
            wait_caught_up(settings.kafka_brokers, group, inputs, 120)
            assert assignments(settings, "campaign_ids") == {"C1": (["LEGAL"],)}
            producer.produce(cases, orjson.dumps(case_saved("C1", 2, "NEGOTIATING")), b"C1")
            producer.flush(30)
            wait_caught_up(settings.kafka_brokers, group, inputs, 120)
            assert assignments(settings, "campaign_ids") == {"C1": (["LATE"],)}

            # the store kept the name it had before the CRM's topics joined the stream: its state carries over
            admin = AdminClient({"bootstrap.servers": settings.kafka_brokers})
            topics = admin.list_topics(timeout=10).topics
            changelogs = [t for t in topics if t.startswith("changelog__") and settings.namespace in t]
            assert changelogs and not any("crm." in t for t in changelogs), changelogs
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output[-3000:]

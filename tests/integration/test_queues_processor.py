"""The queues processor end to end: records on its input topics, `crm run queues`, the queues in Redis read
back through `processors.queues.read`; and the Redis sink on its own against a real Redis."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import pytest
import redis
from quixstreams.sinks import SinkBackpressureError
from quixstreams.sinks.base.batch import SinkBatch

from contracts import (
    AgentAction,
    AgentAssignment,
    CustomerDelinquencyRecord,
    CustomerRecord,
    PromiseRecord,
    StrategyAssignment,
)
from infra.replay import reset_processors, state_path
from processors.common.partitioning import broadcast_keys
from processors.queues.layout import contacts_key, delete_all_queues, entries_key, queue_key
from processors.queues.read import queue_length, read_contact_inputs, read_queue
from processors.registry import INPUTS as PROCESSOR_INPUTS
from sinks.redis import MemberChange, RedisRankingSink, events_stream_key
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
INPUTS = PROCESSOR_INPUTS["queues"]
DAY = date(2026, 3, 2)
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 3, 12, tzinfo=NY)  # the moment the queues are read: within calling hours


class Feed:
    """Produces contract-checked records to the namespace's input topics and waits for the processor."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.producer = make_producer(settings, **{"linger.ms": 0})

    def send(self, topic: str, key: str, record: dict, contract=None) -> None:
        if contract is not None:
            contract.model_validate(record)  # the test's own records must be valid
        self.producer.produce(physical_name(topic, self.settings), orjson.dumps(record), key.encode())

    def raw(self, topic: str, key: str, value: bytes) -> None:
        self.producer.produce(physical_name(topic, self.settings), value, key.encode())

    def tick(self, day: date) -> None:
        for key in broadcast_keys("tick-", self.settings.topic_partitions):
            self.send(
                "delinquency.ticks", key, {"date": day.isoformat(), "bank": "MAIN", "partition_key": key}
            )

    def customer(
        self, cif: str, name: str, timezone: str | None = "America/New_York", addresses: list | None = None
    ) -> None:
        record = {
            "cif": cif,
            "type": "INDIVIDUAL",
            "name": name,
            "segment": "RETAIL",
            "status": "ACTIVE",
            "timezone": timezone,
            "addresses": addresses or [],
            "source_system": "T24",
            "updated_at": "2026-03-01T08:00:00+07:00",
        }
        self.send("bank.customers", cif, record, CustomerRecord)

    def campaign(self, cif: str, campaign_id: str, name: str, contacts: list[dict] | None = None) -> None:
        chosen = {"campaign_id": campaign_id, "campaign_name": name, "contacts": contacts or []}
        record = {
            "cif": cif,
            "strategy_id": "default",
            "strategy_version": 1,
            "business_date": DAY.isoformat(),
            "campaigns": [{"group_id": "G1", "reason": "all match", **chosen}],
        }
        self.send("strategy.assignments", cif, record, StrategyAssignment)

    def assign(
        self, cif: str, agent: str | None, campaign_id: str | None = "EARLY", agent_type: str = "CALL"
    ) -> None:
        record = {
            "cif": cif,
            "agent_type": agent_type,
            "agent_id": agent,
            "team": "T1",
            "campaign_id": campaign_id,
            "reason": "least loaded fitting agent",
            "business_date": DAY.isoformat(),
        }
        self.send("assignments", cif, record, AgentAssignment)

    def delinquency(self, cif: str, dpd: int, overdue: str, revision: int = 1) -> None:
        oldest = (DAY - timedelta(days=dpd)).isoformat() if dpd else None
        record = {
            "cif": cif,
            "business_date": DAY.isoformat(),
            "max_dpd": dpd,
            "bucket": "CURRENT" if dpd == 0 else "1-29",
            "overdue_total": {"USD": overdue},
            "outstanding_total": {"USD": "10000.00"},
            "oldest_unpaid_due": oldest,
            "loans": 1,
            "loans_delinquent": 1 if dpd else 0,
            "revision": revision,
            "accounts": [],
        }
        self.send("delinquency.customers", cif, record, CustomerDelinquencyRecord)

    def broken_promise(self, cif: str, action_id: str) -> None:
        record = {
            "action_id": action_id,
            "cif": cif,
            "account_number": None,
            "agent_id": "AG",
            "made_on": "2026-02-01",
            "date": "2026-02-10",
            "amount": "100.00",
            "status": "BROKEN",
            "paid": "0",
            "evaluated_on": "2026-02-14",
        }
        self.send("promises", cif, record, PromiseRecord)

    def call(self, cif: str, action_id: str, at: datetime, result: str = "NO_ANSWER") -> None:
        record = {
            "action_id": action_id,
            "cif": cif,
            "agent_id": "AG",
            "type": "CALL",
            "subtype": "OUTBOUND",
            "result": result,
            "at": at.isoformat(),
        }
        self.send("agent.actions", cif, record, AgentAction)

    def processed(self, timeout: float = 60) -> None:
        assert self.producer.flush(30) == 0
        topics = [physical_name(t, self.settings) for t in INPUTS]
        wait_caught_up(self.settings.kafka_brokers, f"{self.settings.namespace}crm-queues", topics, timeout)


class Processor:
    def __init__(self, env: dict, log_path) -> None:
        self.env, self.log_path, self.process = env, log_path, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "queues"],
            env=self.env,
            stdout=self.log_path.open("a"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        assert self.process.returncode == 0, self.log_path.read_text()[-3000:]


@pytest.fixture(scope="module")
def world(service_addresses, run_id, cli_env, tmp_path_factory):
    with initialized_namespace(service_addresses, f"q{run_id}", cli_env) as (settings, env):
        client = redis.Redis.from_url(settings.redis_url)
        # One customer per part of a date's re-ranking: every tick with more is worked off in continuations.
        env = {**env, "CRM_QUEUES_TICK_CHUNK": "1"}
        processor = Processor(env, tmp_path_factory.mktemp("queues") / "processor.log")
        feed = Feed(settings)
        feed.tick(DAY)
        processor.start()
        try:
            yield settings, feed, client, processor
        finally:
            processor.stop()
            keys = list(client.scan_iter(f"{settings.namespace}*"))
            if keys:
                client.delete(*keys)


def queue(world, agent: str) -> list[dict]:
    settings, _feed, client, _processor = world
    return read_queue(client, settings.namespace, agent, NOW, limit=100)


MOBILE = {"channel": "PHONE", "value": "+84 91 555 0001", "type": "MOBILE", "source": "CUSTOMER", "rule": 0}


def test_the_queue_is_in_priority_order_with_reasons(world):
    _settings, feed, _client, _processor = world
    for cif, name, dpd, overdue in (
        ("QC1", "Ann", 10, "500.00"),
        ("QC2", "Bob", 95, "300.00"),
        ("QC3", "Cy", 10, "900000.00"),
    ):
        feed.customer(cif, name)
        feed.campaign(cif, "EARLY", "Early collections", [MOBILE] if cif == "QC2" else None)
        feed.assign(cif, "AGQ1")
        feed.delinquency(cif, dpd, overdue)
    feed.broken_promise("QC1", "P-QC1")
    feed.raw("agent.actions", "QC1", b'{"action_id": "BAD", "cif": 7}')  # skipped: the promises processor's
    feed.raw("bank.customers", "QC1", b"not json")  # and the entities processor's to dead-letter
    feed.processed()
    entries = queue(world, "AGQ1")
    assert [e["cif"] for e in entries] == ["QC2", "QC3", "QC1"]
    assert [e["priority"] for e in entries] == sorted((e["priority"] for e in entries), reverse=True)
    first = entries[0]
    assert (first["name"], first["dpd"], first["bucket"], first["campaign"]) == (
        "Bob",
        95,
        "90-119",
        "Early collections",
    )
    assert first["reason"] == "DPD 95 (90-119), overdue 300.00 USD" and first["overdue_amount"] == "300.00"
    assert first["contact"] == {  # what the campaign's rules chose first: the number to dial
        "channel": "PHONE",
        "value": "+84 91 555 0001",
        "type": "MOBILE",
        "name": None,
        "relationship": None,
    }
    assert entries[1]["contact"] is None  # the rules chose none
    assert entries[2]["reason"].endswith("1 broken promise")
    assert all(e["contactable_now"] for e in entries)
    assert queue_length(world[2], world[0].namespace, "AGQ1") == 3
    assert read_queue(world[2], world[0].namespace, "AGQ1", NOW, limit=1, offset=1)[0]["cif"] == "QC3"


def test_a_field_agents_queue_says_where_each_customer_lives(world):
    _settings, feed, _client, _processor = world
    places = [
        {"type": "WORK", "line1": "1 Office Park", "city": "Hanoi", "country": "VN"},
        {"type": "HOME", "line1": "27 Pho Hue", "city": "Hanoi", "postal_code": "100000", "country": "VN"},
    ]
    feed.customer("QF1", "Dan", addresses=places)
    feed.campaign("QF1", "VISITS", "Secured loans 90+ days")
    feed.assign("QF1", "AGQF", "VISITS", agent_type="FIELD")
    feed.assign("QF1", "AGQC", "VISITS")
    feed.delinquency("QF1", 95, "300.00")
    feed.processed()
    [visit] = queue(world, "AGQF")
    assert visit["address"] == "27 Pho Hue, Hanoi 100000, VN"  # the home address: none is primary
    [call] = queue(world, "AGQC")
    assert call["address"] is None  # a call agent's entry does without
    feed.customer("QF1", "Dan", addresses=[{**places[0], "is_primary": True}, places[1]])
    feed.processed()
    assert queue(world, "AGQF")[0]["address"] == "1 Office Park, Hanoi, VN"  # the bank's primary now


def test_a_payment_that_clears_the_arrears_removes_the_customer_within_a_second(world):
    settings, feed, client, _processor = world
    feed.assign("QP1", "AGQ2")
    feed.delinquency("QP1", 20, "250.00")
    feed.processed()
    assert [e["cif"] for e in queue(world, "AGQ2")] == ["QP1"]
    started = time.perf_counter()
    feed.delinquency("QP1", 0, "0", revision=2)  # what the roll-up emits once a payment covers the arrears
    feed.producer.flush(10)
    while client.zscore(queue_key(settings.namespace, "AGQ2"), "QP1") is not None:
        assert time.perf_counter() - started < 10, "still queued after 10 s"
        time.sleep(0.01)
    latency = time.perf_counter() - started
    assert client.hget(entries_key(settings.namespace, "AGQ2"), "QP1") is None
    print(f"payment → removal: {latency * 1000:.0f} ms")
    assert latency < 1.0, f"removed after {latency:.2f} s"


def test_a_reassignment_moves_the_entry(world):
    _settings, feed, _client, _processor = world
    feed.delinquency("QR1", 40, "700.00")
    feed.assign("QR1", "AGQ3")
    feed.processed()
    assert [e["cif"] for e in queue(world, "AGQ3")] == ["QR1"]
    feed.assign("QR1", "AGQ4")
    feed.processed()
    assert queue(world, "AGQ3") == [] and [e["cif"] for e in queue(world, "AGQ4")] == ["QR1"]
    feed.assign("QR1", None, None)  # no agent any more
    feed.processed()
    assert queue(world, "AGQ4") == []


def test_seven_attempts_mark_the_customer_not_contactable(world):
    _settings, feed, _client, _processor = world
    feed.customer("QK1", "Kim")  # America/New_York
    feed.assign("QK1", "AGQ5")
    feed.delinquency("QK1", 15, "80.00")
    feed.delinquency("QK2", 16, "80.00")
    feed.assign("QK2", "AGQ5")
    for n in range(7):
        feed.call("QK1", f"QK1-A{n}", datetime(2026, 3, 2, 9, n, tzinfo=NY))
    feed.call("QK2", "QK2-A0", datetime(2026, 3, 2, 9, tzinfo=NY), "LEFT_MESSAGE")  # one attempt
    feed.processed()
    by_cif = {e["cif"]: e for e in queue(world, "AGQ5")}
    assert by_cif["QK2"]["contactable_now"] is True
    kim = by_cif["QK1"]
    assert (kim["contactable_now"], kim["blocked_by"]) == (False, "ATTEMPT_LIMIT_7_IN_7")
    assert kim["contactable_from"] == datetime(
        2026, 3, 9, 8, tzinfo=NY
    )  # EDT: clocks went forward on the 8th
    assert "contacted" in kim["reason"]


def test_every_called_customer_has_a_contact_snapshot_queued_or_not(world):
    settings, feed, client, _processor = world
    feed.customer("QN1", "Nat")  # America/New_York, never queued: no agent, no figures
    last = datetime(2026, 3, 2, 9, 5, tzinfo=NY)
    feed.call("QN1", "QN1-A0", datetime(2026, 3, 2, 9, tzinfo=NY))
    feed.call("QN1", "QN1-A1", last, "CEASE_COMMUNICATION")
    feed.processed()
    inputs = read_contact_inputs(client, settings.namespace, "QN1")
    assert inputs is not None and (inputs["timezone"], inputs["cease"]) == ("America/New_York", True)
    assert len(inputs["attempts"]) == 2 and inputs["latest_action_at"] == "2026-03-02T14:05:00.000+00:00"
    assert client.zscore(contacts_key(settings.namespace), "QN1") == last.timestamp()
    assert read_contact_inputs(client, settings.namespace, "QN-NEVER-CALLED") is None


def test_state_lost_on_disk_is_restored_from_its_changelog(world):
    settings, feed, _client, processor = world
    feed.delinquency("QS1", 30, "120.00")
    feed.assign("QS1", "AGQ7")
    feed.processed()
    processor.stop()
    try:
        shutil.rmtree(state_path(settings, "queues"))  # a new machine: only Kafka remembers
    finally:
        processor.start()
    feed.assign("QS1", "AGQ8")  # moving needs the restored state: where the entry was placed
    feed.processed()
    assert queue(world, "AGQ7") == [] and [e["cif"] for e in queue(world, "AGQ8")] == ["QS1"]
    assert queue(world, "AGQ8")[0]["dpd"] == 30


def test_a_business_date_over_more_customers_than_a_part_is_worked_off_in_parts(world):
    settings, feed, client, _processor = world
    for n in range(12):
        feed.customer(f"QT{n:02}", f"Tess {n}")
        feed.assign(f"QT{n:02}", "AGQT")
        feed.delinquency(f"QT{n:02}", 10 + n, "100.00")
    feed.processed()
    later = DAY + timedelta(days=3)
    feed.tick(later)
    feed.processed()  # the processor's inputs include its continuations: caught up means worked off
    entries = read_queue(client, settings.namespace, "AGQT", NOW, limit=100)
    assert {e["cif"]: e["dpd"] for e in entries} == {f"QT{n:02}": 13 + n for n in range(12)}  # 3 days on
    continued = read_all(settings.kafka_brokers, physical_name("queues.ticks", settings), timeout=20)
    dates = [orjson.loads(value)["date"] for _key, value in continued]
    # 12 customers over 6 partitions at one customer a part: at least 12 - 6 continuations for the date. The
    # module's first date may have some too: its tick, fed before the processor started, can be read after
    # the first tests' customers (the processor reads its topics in no fixed order).
    assert dates.count(later.isoformat()) >= 6
    assert set(dates) <= {DAY.isoformat(), later.isoformat()}
    log = world[3].log_path.read_text()
    assert "queues re-ranked towards the business date" in log and "for the business date" in log


def _snapshot(settings, client) -> dict:
    snapshot = {}
    for key in sorted(client.scan_iter(f"{settings.namespace}queue:*")):
        kind = client.type(key)
        snapshot[key] = client.zrange(key, 0, -1, withscores=True) if kind == b"zset" else client.hgetall(key)
    return snapshot


def test_a_replay_rewrites_the_same_queues_and_rebuilds_them_after_a_flush(world):
    settings, feed, client, processor = world
    feed.delinquency("QZ1", 3, "10.00")
    feed.assign("QZ1", "AGQ6")
    feed.call("QZ1", "QZ1-A0", datetime(2026, 3, 2, 9, tzinfo=NY))
    feed.processed()
    before = _snapshot(settings, client)
    assert len(before) >= 2 and f"{settings.namespace}queue:{{AGQ6}}".encode() in before
    processor.stop()
    try:
        reset_processors(settings, ["queues"])  # everything redelivered onto the queues as they are
        processor.start()
        feed.processed(120)
        assert _snapshot(settings, client) == before
        processor.stop()
        assert delete_all_queues(client, settings.namespace) == len(before)  # Redis lost its data
        # the API's workers drop the pages they keep (api.queue_pages); live-events clients skip it (no data)
        newest = client.xrevrange(events_stream_key(settings.namespace), count=1)
        assert newest[0][1] == {b"type": b"queues_reset"}
        reset_processors(settings, ["queues"])
    finally:
        processor.start()
    feed.processed(120)
    assert _snapshot(settings, client) == before


# ---- the sink on its own ----


def _batch(changes) -> SinkBatch:
    batch = SinkBatch("t", 0)
    for offset, change in enumerate(changes):
        batch.append(value=change, key=change.member, timestamp=0, headers=[], offset=offset)
    return batch


def test_the_sink_writes_the_last_change_per_member_and_a_redelivery_changes_nothing(settings):
    client = redis.Redis.from_url(settings.redis_url)
    ranking, details = f"{settings.namespace}sink:{{A}}", f"{settings.namespace}sink:{{A}}:entries"
    sink = RedisRankingSink(settings.redis_url, lambda value: (value,), max_transaction=2)
    sink.setup()
    changes = [
        MemberChange(ranking, details, "C1", 5.0, b"one"),
        MemberChange(ranking, details, "C2", 7.5, b"two"),
        MemberChange(ranking, details, "C3", 1.0, b"three"),
        MemberChange(ranking, details, "C1", None, None),
        MemberChange(ranking, details, "C3", 2.0, b"three again"),
    ]
    try:
        for _ in range(2):  # the second time as after a crash before the checkpoint was committed
            sink.write(_batch(changes))
            assert client.zrange(ranking, 0, -1, withscores=True) == [(b"C3", 2.0), (b"C2", 7.5)]
            assert client.hgetall(details) == {b"C2": b"two", b"C3": b"three again"}
    finally:
        client.delete(ranking, details)


def test_a_redis_that_is_down_is_backpressure_with_a_growing_delay():
    sink = RedisRankingSink("redis://127.0.0.1:1/0", lambda value: (value,))
    sink.setup()  # not fatal either
    delays = []
    for _ in range(3):
        with pytest.raises(SinkBackpressureError) as error:
            sink.write(_batch([MemberChange("q", "q:e", "C1", 1.0, b"x")]))
        delays.append(error.value.retry_after)
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0 and 4.0 <= delays[2] <= 8.0

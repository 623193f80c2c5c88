"""The allocation processor end to end: agents and strategy assignments through real Kafka, into the
`assignments` topic and the `agent_assignments` history in PostgreSQL, across a deactivation, a restart,
a capacity raise, a cure and a move between teams."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from datetime import date

import orjson
import psycopg
import pytest

from contracts import AgentAssignment, ReassignmentDecision
from processors.allocation.sink import write_decisions, write_history
from processors.common.app import consumer_group, state_path
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
DAY1, DAY2 = "2026-03-02", "2026-03-03"


def agent(agent_id, team="T1", capacity=2, active=True, agent_type="CALL") -> dict:
    return {
        "agent_id": agent_id,
        "name": f"Agent {agent_id}",
        "team": team,
        "type": agent_type,
        "skills": {"products": ["CREDIT_CARD"], "buckets": [], "languages": ["vi"]},
        "capacity": capacity,
        "active": active,
    }


def override(cif, agent_id, team="T1", episode=1, **fields) -> dict:
    return {
        "override_id": f"o-{cif}-{agent_id}",
        "cif": cif,
        "team": team,
        "agent_type": "CALL",
        "agent_id": agent_id,
        "episode": episode,
        "requested_by": "sup1",
        "requested_at": "2026-03-02T10:00:00+07:00",
        **fields,
    }


def strategy(cif, team="T1", day=DAY1, delinquent=True) -> dict:
    return {
        "cif": cif,
        "strategy_id": "default",
        "strategy_version": 1,
        "business_date": day,
        "campaigns": [
            {
                "group_id": "G1",
                "campaign_id": f"CALLS_{team}",
                "campaign_name": "Calls",
                "reason": "bucket 30-59",
                "team": team,
                "agent_type": "CALL",
                "required_skills": {"products": ["CREDIT_CARD"]},
            }
        ],
        "products": ["CREDIT_CARD"],
        "bucket": "30-59",
        "language": "vi",
        "delinquent": delinquent,
    }


class Allocation:
    """The namespace, a running `crm run allocation`, and helpers to feed it and wait for it."""

    def __init__(self, settings, env) -> None:
        self.settings, self.env = settings, env
        self.producer = make_producer(settings)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "allocation"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, output[-3000:]
        return output

    def send(self, topic: str, key: str, value: dict | bytes) -> None:
        payload = value if isinstance(value, bytes) else orjson.dumps(value)
        self.producer.produce(physical_name(topic, self.settings), payload, key.encode())

    def settle(self) -> None:
        """Everything sent so far allocated: stage 1's inputs first, then the requests they made."""
        self.producer.flush(30)
        group, name = consumer_group(self.settings, "allocation"), lambda t: physical_name(t, self.settings)
        wait_caught_up(
            self.settings.kafka_brokers, group, [name("strategy.assignments"), name("config.agents")], 120
        )
        stage_two = [name("allocation.requests"), name("allocation.overrides")]
        wait_caught_up(self.settings.kafka_brokers, group, stage_two, 120)

    def current(self) -> dict[str, tuple]:
        with psycopg.connect(self.settings.database_url) as conn:
            rows = conn.execute(
                "SELECT cif, agent_id, team, reason FROM agent_assignments"
                " WHERE agent_type = 'CALL' AND valid_to IS NULL"
            ).fetchall()
        return {cif: (agent_id, team, reason) for cif, agent_id, team, reason in rows}

    def decisions(self, *override_ids: str) -> dict[str, tuple]:
        with psycopg.connect(self.settings.database_url) as conn:
            rows = conn.execute(
                "SELECT override_id, cif, agent_id, outcome, reason FROM reassignment_decisions"
                " WHERE override_id = ANY(%s)",
                (list(override_ids),),
            ).fetchall()
        return {row[0]: tuple(row[1:]) for row in rows}

    def history(self, cif: str) -> list[tuple]:
        with psycopg.connect(self.settings.database_url) as conn:
            return conn.execute(
                "SELECT seq, agent_id, valid_from, valid_to, reason FROM agent_assignments"
                " WHERE cif = %s AND agent_type = 'CALL' ORDER BY seq",
                (cif,),
            ).fetchall()


@pytest.fixture(scope="module")
def allocation(service_addresses, run_id, cli_env):
    with initialized_namespace(service_addresses, f"al{run_id}", cli_env) as (settings, env):
        running = Allocation(settings, env)
        running.start()
        try:
            yield running
        finally:
            if running.process.poll() is None:
                running.stop()


def loads(current: dict) -> Counter:
    return Counter(agent_id for agent_id, _team, _reason in current.values() if agent_id)


def test_allocation_through_deactivation_restart_raise_cure_and_move(allocation):
    # Three agents of team T1 with room for 2 + 2 + 4; six customers go round the least loaded.
    for agent_id, capacity in (("A1", 2), ("A2", 2), ("A3", 4)):
        allocation.send("config.agents", agent_id, agent(agent_id, capacity=capacity))
    allocation.send("config.agents", "B1", agent("B1", team="T2", capacity=5))
    allocation.send("config.agents", "BAD", {**agent("BAD"), "capacity": -1})
    allocation.settle()
    for n in range(1, 7):
        allocation.send("strategy.assignments", f"C{n}", strategy(f"C{n}"))
    allocation.settle()
    current = allocation.current()
    assert loads(current) == {"A1": 2, "A2": 2, "A3": 2}
    assert {reason for _a, _t, reason in current.values()} == {"least loaded fitting agent"}

    # Deactivating A1 moves its two customers, highest cif first, to the agent with room (A3).
    on_a1 = sorted((cif for cif, (a, _t, _r) in current.items() if a == "A1"), reverse=True)
    allocation.send("config.agents", "A1", agent("A1", capacity=2, active=False))
    allocation.settle()
    current = allocation.current()
    assert loads(current) == {"A2": 2, "A3": 4}
    for cif in on_a1:
        (seq1, first, from1, to1, _), (seq2, second, from2, to2, reason) = allocation.history(cif)
        assert (first, second, reason) == ("A1", "A3", "agent A1 deactivated; least loaded fitting agent")
        assert seq1 < seq2 and from1 == to1 == from2 == date(2026, 3, 2) and to2 is None

    # After a restart the pool still knows A2 and A3 are full: newcomers wait, none is over capacity. The
    # local state is removed first, so the loads come back from the changelog, as on a new machine.
    allocation.stop()
    shutil.rmtree(state_path(allocation.settings, "allocation"))
    allocation.start()
    for cif in ("C7", "C8"):
        allocation.send("strategy.assignments", cif, strategy(cif, day=DAY2))
    allocation.settle()
    current = allocation.current()
    assert loads(current) == {"A2": 2, "A3": 4}
    assert current["C7"] == (None, "T1", "no capacity") and current["C8"] == (None, "T1", "no capacity")

    # Raising A2's capacity by one gives the room to one waiting customer; a cure frees a place for the other.
    allocation.send("config.agents", "A2", agent("A2", capacity=3))
    allocation.settle()
    assert loads(allocation.current()) == {"A2": 3, "A3": 4}
    cured = next(cif for cif, (a, _t, _r) in allocation.current().items() if a == "A3")
    allocation.send("strategy.assignments", cured, strategy(cured, day=DAY2, delinquent=False))
    allocation.settle()
    current = allocation.current()
    assert current[cured] == (None, "T1", "no longer delinquent")
    assert loads(current) == {"A2": 3, "A3": 4} and current["C7"][0] and current["C8"][0]

    # A customer moving to team T2 leaves T1's pool; the new team's agent takes them.
    mover = next(cif for cif, (a, _t, _r) in current.items() if a == "A2")
    allocation.send("strategy.assignments", mover, strategy(mover, team="T2", day=DAY2))
    allocation.settle()
    current = allocation.current()
    assert current[mover] == ("B1", "T2", "least loaded fitting agent")
    assert loads(current) == {"A2": 2, "A3": 4, "B1": 1}
    rows = allocation.history(mover)
    assert [r[1] for r in rows][-2:] == ["A2", "B1"] and rows[-1][0] > rows[-2][0]
    assert rows[-2][3] == date(2026, 3, 3) and rows[-1][3] is None

    # A customer cured and back in collections the same day returns to their agent (A2, one customer left),
    # though A1, active again and empty, is the least loaded.
    allocation.send("config.agents", "A1", agent("A1", capacity=2))
    relapsing = next(cif for cif, (a, _t, _r) in current.items() if a == "A2")
    allocation.send("strategy.assignments", relapsing, strategy(relapsing, day=DAY2, delinquent=False))
    allocation.settle()
    allocation.send("strategy.assignments", relapsing, strategy(relapsing, day=DAY2))
    allocation.settle()
    current = allocation.current()
    assert current[relapsing] == ("A2", "T1", "back to agent A2, who worked the customer until 2026-03-03")
    assert loads(current) == {"A2": 2, "A3": 4, "B1": 1}


def test_history_intervals_never_overlap_and_one_row_is_current(allocation):
    with psycopg.connect(allocation.settings.database_url) as conn:
        rows = conn.execute(
            "SELECT cif, seq, valid_from, valid_to FROM agent_assignments WHERE cif LIKE 'C%'"
            " ORDER BY cif, agent_type, seq"
        ).fetchall()
    by_cif: dict[str, list] = {}
    for cif, seq, valid_from, valid_to in rows:
        by_cif.setdefault(cif, []).append((seq, valid_from, valid_to))
    assert len(by_cif) == 8
    for history in by_cif.values():
        assert [to for _s, _f, to in history].count(None) == 1 and history[-1][2] is None
        for (_s, _f, to), (_n, next_from, _t) in zip(history, history[1:], strict=False):
            assert to == next_from


def test_every_change_is_on_the_assignments_topic_under_its_contract(allocation):
    settings = allocation.settings
    messages = read_all(settings.kafka_brokers, physical_name("assignments", settings), timeout=30)
    records = [(key.decode(), AgentAssignment.model_validate_json(value)) for key, value in messages]
    assert all(key == record.cif for key, record in records)
    with psycopg.connect(settings.database_url) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM agent_assignments").fetchone()
    assert len(records) == rows  # one record per history row


def test_a_bad_agent_is_dead_lettered(allocation):
    settings = allocation.settings
    [(key, value)] = read_all(
        settings.kafka_brokers, physical_name("config.agents.dlq", settings), 1, timeout=30
    )
    letter = orjson.loads(value)
    assert key == b"BAD" and letter["processor"] == "allocation" and "capacity" in letter["error"]


def test_the_history_is_the_same_whatever_order_and_however_often_rows_arrive(allocation):
    """A move between teams: the new pool's row may be written before the old pool's last rows, and a
    batch may be written twice after a crash; intervals are recomputed from the rows either way."""

    def row(seq, agent_id, day):
        return ("H1", "CALL", seq, agent_id, "T1", "K", date(2026, 3, day), None, "test", 1)

    old_pool = [row(1_000_000, "A1", 2), row(1_000_001, "A2", 4)]
    with psycopg.connect(allocation.settings.database_url) as conn:
        write_history(conn, [row(2_000_000, "B1", 5)])
        write_history(conn, old_pool)
        write_history(conn, old_pool)  # the same batch again
        rows = conn.execute(
            "SELECT seq, agent_id, valid_from, valid_to FROM agent_assignments WHERE cif = 'H1' ORDER BY seq"
        ).fetchall()
    assert rows == [
        (1_000_000, "A1", date(2026, 3, 2), date(2026, 3, 4)),
        (1_000_001, "A2", date(2026, 3, 4), date(2026, 3, 5)),
        (2_000_000, "B1", date(2026, 3, 5), None),
    ]


def test_a_supervisor_reassignment_moves_the_customer_and_one_read_early_waits_for_its_stay(allocation):
    for agent_id in ("RA", "RB"):
        allocation.send("config.agents", agent_id, agent(agent_id, team="T3", capacity=3))
    allocation.settle()
    for cif in ("R1", "R2"):  # one at a time: two cifs' records reach the pool in either order
        allocation.send("strategy.assignments", cif, strategy(cif, team="T3"))
        allocation.settle()
    assert allocation.current()["R1"][0] == "RA" and allocation.current()["R2"][0] == "RB"

    allocation.send("allocation.overrides", "T3", override("R1", "RB", "T3", from_agent_id="RA", note="VIP"))
    # read before the customer's stay began (as in a replay): kept, and the placement takes it
    allocation.send("allocation.overrides", "T3", override("R3", "RB", "T3"))
    allocation.settle()
    allocation.send("strategy.assignments", "R3", strategy("R3", team="T3"))
    allocation.settle()
    current = allocation.current()
    assert current["R1"] == ("RB", "T3", "reassigned by sup1 from agent RA: VIP")
    assert current["R3"] == ("RB", "T3", "reassigned by sup1")  # RA was the least loaded
    assert [row[1] for row in allocation.history("R1")] == ["RA", "RB"]

    # RB is full now: a move to it changes nothing (the API refuses it first; the processor checks again)
    allocation.send("allocation.overrides", "T3", override("R4", "RB", "T3"))
    allocation.send("strategy.assignments", "R4", strategy("R4", team="T3"))
    allocation.settle()
    assert allocation.current()["R4"] == ("RA", "T3", "least loaded fitting agent")

    # what became of each, for the supervisors who asked: on allocation.decisions and in PostgreSQL
    assert allocation.decisions("o-R1-RB", "o-R3-RB", "o-R4-RB") == {
        "o-R1-RB": ("R1", "RB", "APPLIED", None),
        "o-R3-RB": ("R3", "RB", "APPLIED", None),  # kept for its stay, then applied as it began
        "o-R4-RB": ("R4", "RB", "REFUSED", "full (3 of 3)"),
    }
    settings = allocation.settings
    topic = physical_name("allocation.decisions", settings)
    published: dict[str, list] = {}  # by key: one key's messages are in order
    for key, value in read_all(settings.kafka_brokers, topic, 5, timeout=30):
        decision = ReassignmentDecision.model_validate_json(value)
        assert (decision.override_id, decision.team, decision.agent_id) == (key.decode(), "T3", "RB")
        published.setdefault(key.decode(), []).append(decision.outcome)
    assert published == {
        "o-R1-RB": ["APPLIED"],
        "o-R3-RB": ["KEPT_FOR_STAY", "APPLIED"],
        "o-R4-RB": ["KEPT_FOR_STAY", "REFUSED"],
    }


def test_a_decision_stands_once_made_but_one_kept_for_its_stay_gives_way(allocation):
    """The sink is at-least-once, and a replayed override can find its customer moved already."""
    row = ("o-SINK", "S1", "T9", "CALL", "A1")
    with psycopg.connect(allocation.settings.database_url) as conn:
        write_decisions(conn, [(*row, "KEPT_FOR_STAY", None, DAY1)])
        write_decisions(conn, [(*row, "APPLIED", None, DAY2), (*row, "APPLIED", None, DAY2)])
        write_decisions(conn, [(*row, "ALREADY", None, DAY2), (*row, "KEPT_FOR_STAY", None, DAY2)])
    assert allocation.decisions("o-SINK") == {"o-SINK": ("S1", "A1", "APPLIED", None)}
    with psycopg.connect(allocation.settings.database_url) as conn:
        (day,) = conn.execute(
            "SELECT business_date FROM reassignment_decisions WHERE override_id = 'o-SINK'"
        ).fetchone()
        conn.execute("DELETE FROM reassignment_decisions WHERE override_id = 'o-SINK'")
    assert day == date(2026, 3, 3)


def test_a_bad_reassignment_is_dead_lettered(allocation):
    allocation.send("allocation.overrides", "T3", {**override("R9", "RA", "T3"), "episode": 0})
    allocation.send("allocation.overrides", "T1", override("R9", "RA", "T3"))  # keyed by another team
    allocation.settle()
    settings = allocation.settings
    letters = read_all(
        settings.kafka_brokers, physical_name("allocation.overrides.dlq", settings), 2, timeout=30
    )
    errors = sorted((key.decode(), orjson.loads(value)["error_type"]) for key, value in letters)
    assert errors == [("T1", "KeyMismatch"), ("T3", "ValidationError")]

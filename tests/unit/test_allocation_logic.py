"""The allocation processor's rules over a dict-backed state store (the app wires the same functions).

Requests go through stage 1 (`customer_requests`, `agent_requests`) and then to the pool of the team they
are keyed by (`on_request`), as the two stages of the app do; every team's pool shares one store here, as
teams that hash to one partition do.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.reassignments import ReassignmentDecision
from contracts.reassignments import ReassignmentOutcome as Outcome
from domain.allocation import Agent, fits
from processors.allocation import logic
from tests.fakes import DictState

DATE = "2026-03-02"


class World:
    """Stage 1 and stage 2 over one store; every change in emission order."""

    def __init__(self) -> None:
        self.store: dict = {}
        self.changes: list[logic.Change] = []
        self.decisions: list[logic.Decision] = []
        self.overrides = 0  # numbers the reassignments' ids
        self.return_days = logic.RETURN_DAYS

    def state_of(self, prefix: str) -> DictState:
        return DictState(self.store, prefix)

    def strategy(self, cif, campaigns=(("CAMP1", "T1", "CALL"),), delinquent=True, date=DATE, **facts):
        record = None
        if campaigns is not None:
            record = {
                "cif": cif,
                "strategy_version": facts.pop("version", 1),
                "business_date": date,
                "delinquent": delinquent,
                "products": facts.pop("products", ["CREDIT_CARD"]),
                "bucket": facts.pop("bucket", "30-59"),
                "language": facts.pop("language", "vi"),
                "campaigns": [
                    {
                        "campaign_id": c,
                        "team": team,
                        "agent_type": t,
                        "required_skills": facts.get("required", {}),
                    }
                    for c, team, t in campaigns
                ],
            }
        return self._apply(logic.customer_requests(self.state_of(f"s|{cif}"), cif, record))

    def agent(self, agent_id, team="T1", capacity=2, active=True, agent_type="CALL", deleted=False, **skills):
        config = {
            "agent_id": agent_id,
            "name": agent_id,
            "team": team,
            "type": agent_type,
            "capacity": capacity,
            "active": active,
            "skills": {"products": [], "buckets": [], "languages": [], **skills},
        }
        return self._apply(
            logic.agent_requests(self.state_of(f"a|{agent_id}"), agent_id, None if deleted else config)
        )

    def override(self, cif, agent_id, team="T1", agent_type="CALL", episode=None, by="sup1", note=None):
        """A supervisor's reassignment for the customer's stay ``episode`` (default: the current one)."""
        if episode is None:
            episode = self.customers(team, agent_type)[cif]["episode"]
        self.overrides += 1
        override = {
            "override_id": f"o{self.overrides}",
            "cif": cif,
            "team": team,
            "agent_type": agent_type,
            "agent_id": agent_id,
            "episode": episode,
            "from_agent_id": None,
            "requested_by": by,
            "note": note,
        }
        made = logic.on_override(self.state_of, team, override)
        self.changes += made.changes
        self.decisions += made.decisions
        decision = made.decisions[0].record
        self.outcome = decision["outcome"]
        why = decision["reason"] if decision["outcome"] == Outcome.REFUSED else None
        return [(c.cif, c.record["agent_id"], c.record["reason"]) for c in made.changes], why

    def _apply(self, requests) -> list[tuple[str, str | None, str]]:
        made = []
        for pool, request in requests:
            done = logic.on_request(self.state_of, pool, request, self.return_days)
            self.changes += done.changes
            self.decisions += done.decisions
            made += [(c.cif, c.record["agent_id"], c.record["reason"]) for c in done.changes]
        return made

    # what the pools hold
    def customers(self, team="T1", agent_type="CALL") -> dict[str, dict]:
        return {k: v for (p, k), v in self.store.items() if p == f"{team}|{agent_type}|customers"}

    def roster(self, team="T1", agent_type="CALL") -> dict[str, Agent]:
        raw = self.store.get((f"{team}|{agent_type}|pool", "agents"), {})
        return {
            i: logic.agent_of({"agent_id": i, "team": team, "type": agent_type, **a}) for i, a in raw.items()
        }

    def loads(self, team="T1", agent_type="CALL") -> dict[str, int]:
        return self.store.get((f"{team}|{agent_type}|pool", "counters"), {}).get("loads", {})

    def agent_of(self, cif, team="T1", agent_type="CALL") -> str | None:
        return self.customers(team, agent_type)[cif]["agent"]


@pytest.fixture
def world() -> World:
    return World()


# ── stage 1 ──────────────────────────────────────────────────────────────────────────────────────────────


def test_a_delinquent_customer_in_a_campaign_with_an_agent_type_asks_that_team():
    state = DictState({}, "s")
    record = {
        "business_date": DATE,
        "strategy_version": 3,
        "delinquent": True,
        "products": ["MORTGAGE", "AUTO_LOAN"],
        "bucket": "60-89",
        "language": None,
        "campaigns": [
            {"campaign_id": "SMS", "team": None, "agent_type": None},
            {
                "campaign_id": "CALLS",
                "team": "T1",
                "agent_type": "CALL",
                "required_skills": {"buckets": ["60-89"]},
            },
            {"campaign_id": "OTHER_CALLS", "team": "T9", "agent_type": "CALL"},  # the first campaign per type
            {"campaign_id": "VISITS", "team": "T2", "agent_type": "FIELD"},
        ],
    }
    requests = logic.customer_requests(state, "C1", record)
    assert [(pool, r["kind"], r["agent_type"], r["campaign_id"], r["episode"]) for pool, r in requests] == [
        ("T1", "customer", "CALL", "CALLS", 1),
        ("T2", "customer", "FIELD", "VISITS", 1),
    ]
    assert requests[0][1]["products"] == ["AUTO_LOAN", "MORTGAGE"]
    assert requests[0][1]["required_skills"] == {"buckets": ["60-89"]}
    assert logic.customer_requests(state, "C1", record) == []  # nothing allocation looks at changed
    assert logic.customer_requests(state, "C1", {**record, "business_date": "2026-03-03"}) == []


def test_a_cure_releases_a_move_releases_the_old_pool_and_a_return_starts_a_new_episode():
    state = DictState({}, "s")
    base = {"business_date": DATE, "strategy_version": 1, "delinquent": True, "bucket": "1-29"}
    in_t1 = {**base, "campaigns": [{"campaign_id": "A", "team": "T1", "agent_type": "CALL"}]}
    in_t2 = {**base, "campaigns": [{"campaign_id": "B", "team": "T2", "agent_type": "CALL"}]}
    logic.customer_requests(state, "C1", in_t1)
    moved = logic.customer_requests(state, "C1", in_t2)
    assert [(pool, r["kind"], r["episode"], r.get("moved_to")) for pool, r in moved] == [
        ("T1", "release", 1, "T2"),
        ("T2", "customer", 2, None),
    ]
    cured = logic.customer_requests(state, "C1", {**in_t2, "delinquent": False})
    assert [(pool, r["kind"], r["episode"], r["reason"]) for pool, r in cured] == [
        ("T2", "release", 2, "no longer delinquent")
    ]
    assert [r["episode"] for _, r in logic.customer_requests(state, "C1", in_t1)] == [3]
    assert [r["reason"] for _, r in logic.customer_requests(state, "C1", None)] == ["customer removed"]


def test_an_agent_changing_team_leaves_the_old_pool_and_a_deleted_agent_leaves_its_pool():
    state = DictState({}, "a")
    config = {"agent_id": "A1", "team": "T1", "type": "CALL", "capacity": 5, "active": True}
    assert [(p, r["kind"]) for p, r in logic.agent_requests(state, "A1", config)] == [("T1", "agent")]
    moved = logic.agent_requests(state, "A1", {**config, "team": "T2"})
    assert [(p, r["kind"]) for p, r in moved] == [("T1", "agent_left"), ("T2", "agent")]
    assert logic.agent_requests(state, "A1", None) == [("T2", {"kind": "agent_left", "agent_id": "A1"})]
    assert logic.agent_requests(state, "A1", None) == []


# ── stage 2: pools ───────────────────────────────────────────────────────────────────────────────────────


def test_customers_go_to_the_least_loaded_fitting_agent_then_wait_when_all_are_full(world):
    world.agent("A2")
    world.agent("A1")
    assert world.strategy("C1") == [("C1", "A1", "least loaded fitting agent")]
    assert world.strategy("C2") == [("C2", "A2", "least loaded fitting agent")]
    world.strategy("C3"), world.strategy("C4")
    assert world.strategy("C5") == [("C5", None, "no capacity")]
    assert world.loads() == {"A1": 2, "A2": 2}
    world.agent("A3", products=["MORTGAGE"])  # does not fit a credit-card customer
    assert world.agent_of("C5") is None


def test_a_customer_keeps_the_agent_while_it_fits_and_moves_when_the_fit_ends(world):
    world.agent("A1", capacity=1, buckets=["30-59"])
    world.agent("A2", capacity=5)
    world.strategy("C1")
    assert world.agent_of("C1") == "A1"
    assert world.strategy("C1", version=2) == []  # still fits: kept, nothing to record
    assert world.strategy("C1", bucket="60-89") == [
        ("C1", "A2", "agent A1 no longer fits; least loaded fitting agent")
    ]
    assert world.loads() == {"A2": 1}


def test_a_release_frees_room_for_a_waiting_customer(world):
    world.agent("A1", capacity=1)
    world.strategy("C1"), world.strategy("C2")
    assert world.strategy("C1", delinquent=False) == [
        ("C1", None, "no longer delinquent"),
        ("C2", "A1", "a fitting agent had room again"),
    ]
    assert "C1" not in world.customers()


def test_deactivation_reallocates_every_customer_highest_cif_first(world):
    world.agent("A1", capacity=3)
    for cif in ("C1", "C2", "C3"):
        world.strategy(cif)
    world.agent("A2", capacity=2)
    assert world.agent("A1", capacity=3, active=False) == [
        ("C3", "A2", "agent A1 deactivated; least loaded fitting agent"),
        ("C2", "A2", "agent A1 deactivated; least loaded fitting agent"),
        ("C1", None, "agent A1 deactivated; no capacity"),
    ]
    assert world.agent("A1", capacity=3) == [("C1", "A1", "a fitting agent had room again")]


def test_lowering_capacity_moves_the_excess_and_narrowing_skills_moves_who_no_longer_fits(world):
    world.agent("A1", capacity=4)
    for cif in ("C1", "C2", "C3", "C4"):
        world.strategy(cif, language="en" if cif == "C2" else "vi")
    world.agent("A2", capacity=10)
    assert world.agent("A1", capacity=2) == [
        ("C4", "A2", "agent A1 capacity lowered; least loaded fitting agent"),
        ("C3", "A2", "agent A1 capacity lowered; least loaded fitting agent"),
    ]
    assert world.agent("A1", capacity=2, languages=["vi"]) == [
        ("C2", "A2", "agent A1 skills changed; least loaded fitting agent"),
    ]
    assert world.loads() == {"A1": 1, "A2": 3}  # nobody waits for A1's free place; nobody moves back


def test_an_agent_leaving_the_team_or_changing_type_takes_nobody_along(world):
    world.agent("A1", capacity=2)
    world.strategy("C1"), world.strategy("C2", campaigns=[("V", "T1", "FIELD")])
    assert world.agent("A1", team="T2") == [("C1", None, "agent A1 left the team; no fitting agent")]
    world.agent("A1", capacity=2)
    assert world.agent_of("C1") == "A1"
    assert world.agent("A1", agent_type="FIELD") == [
        ("C1", None, "agent A1 changed type; no fitting agent"),
        ("C2", "A1", "a fitting agent had room again"),
    ]
    assert world.roster() == {} and world.loads("T1", "FIELD") == {"A1": 1}


def test_a_customer_moving_team_is_released_silently_and_numbered_in_a_new_episode(world):
    world.agent("A1"), world.agent("B1", team="T2")
    world.strategy("C1")
    assert world.strategy("C1", campaigns=[("X", "T2", "CALL")]) == [
        ("C1", "B1", "least loaded fitting agent")
    ]
    assert world.loads() == {} and world.customers() == {}
    assert [c.seq for c in world.changes] == [1 * logic.SEQ_STRIDE, 2 * logic.SEQ_STRIDE]


def test_a_campaign_change_with_the_same_agent_is_a_new_history_row(world):
    world.agent("A1")
    world.strategy("C1")
    out = world.strategy("C1", campaigns=[("CAMP2", "T1", "CALL")])
    assert out == [("C1", "A1", "kept: still fits")]
    assert [(c.seq, c.record["campaign_id"]) for c in world.changes] == [
        (1_000_000, "CAMP1"),
        (1_000_001, "CAMP2"),
    ]


BACK = "back to agent A1, who worked the customer until 2026-03-05"


@pytest.mark.parametrize(
    ("relapse", "return_days", "a1_capacity", "a1_active", "expected"),
    [
        ("2026-04-04", 30, 5, True, ("A1", BACK)),  # 30 days after leaving: back, though A2 has fewer
        ("2026-04-05", 30, 5, True, ("A2", "least loaded fitting agent")),  # 31 days: as a new customer
        ("2026-03-06", 0, 5, True, ("A2", "least loaded fitting agent")),  # the rule turned off
        ("2026-03-06", 30, 2, True, ("A2", "least loaded fitting agent")),  # A1 has no room
        ("2026-03-06", 30, 5, False, ("A2", "least loaded fitting agent")),  # A1 deactivated
    ],
)
def test_a_customer_back_in_collections_soon_returns_to_their_agent(
    world, relapse, return_days, a1_capacity, a1_active, expected
):
    world.return_days = return_days
    world.agent("A1", capacity=a1_capacity)
    world.agent("A2", capacity=5)
    world.strategy("C1"), world.strategy("C2"), world.strategy("C3")  # A1, A2, A1 (ties to the smaller id)
    assert world.strategy("C1", delinquent=False, date="2026-03-05") == [("C1", None, "no longer delinquent")]
    world.strategy("C4")  # A1 again: A1 has C3 and C4, A2 has C2
    assert world.loads() == {"A1": 2, "A2": 1}
    if not a1_active:
        world.agent("A1", capacity=a1_capacity, active=False)  # its customers move to A2 (A2: 3)
        world.agent("A2", capacity=9)
    assert world.strategy("C1", date=relapse) == [("C1", *expected)]
    assert ("T1|CALL|left", "C1") not in world.store  # forgotten once back, whoever took the customer


def test_a_reassignment_moves_the_customer_and_the_freed_room_goes_to_a_waiting_customer(world):
    world.agent("A1", capacity=1)
    world.agent("A2", capacity=2)
    world.strategy("C1"), world.strategy("C2"), world.strategy("C3")  # A1, A2, A2
    world.agent("A2", capacity=3)  # room again: nobody was waiting, so nothing moves
    world.strategy("C4")  # A2 (A1 is full)
    world.agent("A3", capacity=1)
    world.strategy("C5")  # A3
    world.strategy("C6")  # everyone is full: C6 waits
    assert world.agent_of("C6") is None
    made, refused = world.override("C1", "A2", note="speaks the customer's dialect")
    assert (refused, made, world.outcome) == ("full (3 of 3)", [], Outcome.REFUSED)
    world.agent("A2", capacity=4)  # C6 takes the room at once (it was waiting)
    assert world.agent_of("C6") == "A2"
    world.agent("A2", capacity=5)
    made, refused = world.override("C1", "A2", note="speaks the customer's dialect")
    assert refused is None
    assert made == [
        ("C1", "A2", "reassigned by sup1: speaks the customer's dialect"),
    ]
    assert world.loads() == {"A2": 5, "A3": 1}
    world.strategy("C7")  # A1's freed room
    assert world.agent_of("C7") == "A1"
    world.strategy("C1", bucket="60-89")  # the next record keeps the chosen agent while it fits
    assert world.agent_of("C1") == "A2"


def test_a_waiting_customer_can_be_given_an_agent_with_room_and_the_history_says_who(world):
    world.agent("A1", capacity=0)
    world.strategy("C1")
    assert world.agent_of("C1") is None
    world.agent("A2", capacity=1, products=["MORTGAGE"])  # does not handle credit cards: C1 still waits
    made, refused = world.override("C1", "A2", by="lead")
    assert (made, refused) == ([], "does not handle all the customer's products")
    world.agent("A2", capacity=1)
    assert world.agent_of("C1") == "A2"  # room freed: it took the waiting customer itself
    world.agent("A3", capacity=1)
    override = world.override("C1", "A3", by="lead")
    assert override == ([("C1", "A3", "reassigned by lead")], None)
    assert world.loads() == {"A3": 1}
    assert world.override("C1", "A3") == ([], None)  # again: already so, nothing changes
    assert world.outcome == Outcome.ALREADY


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ({"active": False}, "inactive"),
        ({"team": "T2"}, "not in the pool"),
        ({"buckets": ["90-119"]}, "does not handle bucket 30-59"),
        ({"languages": ["th"]}, "does not speak vi"),
        ({"capacity": 0}, "full (0 of 0)"),
    ],
)
def test_a_reassignment_to_an_agent_that_does_not_fit_or_is_full_changes_nothing(world, agent, expected):
    world.agent("A1", capacity=2)
    world.agent("A2", **{"capacity": 2, **agent})
    world.strategy("C1")
    before = dict(world.store)
    assert world.override("C1", "A2") == ([], expected)
    assert world.store == before


def test_a_reassignment_for_a_stay_that_is_over_changes_nothing(world):
    world.agent("A1"), world.agent("A2")
    world.strategy("C1")  # stay 1: A1
    world.strategy("C1", delinquent=False)
    world.strategy("C1")  # stay 2: back to A1
    assert world.customers()["C1"]["episode"] == 2
    assert world.override("C1", "A2", episode=1) == ([], "the customer's stay 1 in team T1 is over")


def test_a_reassignment_read_before_its_stay_began_is_applied_when_it_begins(world):
    """A replay reads the overrides ahead of the requests it derives again: the end is the same."""
    live = World()
    for w in (live, world):
        w.agent("A1", capacity=5), w.agent("A2", capacity=5)
    # live: stay 1 with A1, cured, stay 2 with A1 again, then moved to A2 by hand
    live.strategy("C1"), live.strategy("C1", delinquent=False), live.strategy("C1")
    assert live.override("C1", "A2")[1] is None
    # replayed: the override first (kept for stay 2), then the customer's records
    assert world.override("C1", "A2", episode=2) == ([], None)
    assert world.outcome == Outcome.KEPT_FOR_STAY
    assert world.strategy("C1") == [("C1", "A1", "least loaded fitting agent")]  # stay 1: not for it
    world.strategy("C1", delinquent=False)
    assert world.strategy("C1") == [("C1", "A2", "reassigned by sup1")]  # stay 2 begins with it
    assert world.agent_of("C1") == live.agent_of("C1") == "A2"
    assert not [k for (prefix, k) in world.store if prefix == "T1|CALL|pins"]
    assert world.store[("T1|CALL|pool", "counters")].get("pins") is None


def decided(world) -> list[tuple]:
    """The decisions taken so far: (override_id, agent_id, outcome, reason)."""
    return [
        (d.override_id, d.record["agent_id"], d.record["outcome"], d.record["reason"])
        for d in world.decisions
    ]


def test_every_reassignment_read_is_decided_with_the_pool_and_date_it_was_decided_in(world):
    world.agent("A1", capacity=1), world.agent("A2", capacity=1), world.agent("A3", capacity=1)
    world.strategy("C1"), world.strategy("C2")  # A1, A2
    world.override("C1", "A3")  # applied
    world.override("C1", "A3")  # already so
    world.override("C2", "A3")  # A3 is full now
    world.override("C2", "A9")
    assert decided(world) == [
        ("o1", "A3", Outcome.APPLIED, None),
        ("o2", "A3", Outcome.ALREADY, None),
        ("o3", "A3", Outcome.REFUSED, "full (1 of 1)"),
        ("o4", "A9", Outcome.REFUSED, "not in the pool"),
    ]
    assert world.decisions[0].record == {
        "override_id": "o1",
        "cif": "C1",
        "team": "T1",
        "agent_type": "CALL",
        "agent_id": "A3",
        "outcome": "APPLIED",
        "reason": None,
        "business_date": DATE,
    }
    for decision in world.decisions:  # each is a valid allocation.decisions record
        ReassignmentDecision.model_validate(decision.record)


def test_one_kept_for_its_stay_is_decided_again_when_the_stay_begins(world):
    world.agent("A1", capacity=5), world.agent("A2", capacity=1), world.agent("A3", capacity=5)
    world.override("C1", "A2", episode=1)  # read before C1's first stay began
    world.override("C2", "A2", episode=1)
    assert decided(world) == [
        ("o1", "A2", Outcome.KEPT_FOR_STAY, None),
        ("o2", "A2", Outcome.KEPT_FOR_STAY, None),
    ]
    world.strategy("C1")  # A2 takes C1, as asked
    world.strategy("C2")  # A2 is full by then: C2 goes to the least loaded, and the supervisor learns why
    assert (world.agent_of("C1"), world.agent_of("C2")) == ("A2", "A1")
    assert decided(world)[2:] == [
        ("o1", "A2", Outcome.APPLIED, None),
        ("o2", "A2", Outcome.REFUSED, "full (1 of 1)"),
    ]


def test_a_later_reassignment_for_the_same_stay_supersedes_the_one_kept(world):
    world.agent("A1", capacity=5), world.agent("A2", capacity=5), world.agent("A3", capacity=5)
    world.override("C1", "A2", episode=1)
    world.override("C1", "A3", episode=1)
    world.override("C1", "A1", episode=2)  # for a later stay: replaces it too (the newest one wins)
    world.override("C1", "A2", episode=1)  # for an earlier stay than the one kept: refused
    assert decided(world) == [
        ("o1", "A2", Outcome.KEPT_FOR_STAY, None),
        ("o2", "A3", Outcome.KEPT_FOR_STAY, None),
        ("o1", "A2", Outcome.SUPERSEDED, "a later reassignment to A3 replaced it"),
        ("o3", "A1", Outcome.KEPT_FOR_STAY, None),
        ("o2", "A3", Outcome.SUPERSEDED, "a later reassignment to A1 replaced it"),
        ("o4", "A2", Outcome.REFUSED, "one for the customer's later stay 2 is kept"),
    ]
    world.strategy("C1")  # stay 1 begins: o3 is for stay 2, kept
    world.strategy("C1", delinquent=False), world.strategy("C1")  # stay 2 begins with A1
    assert world.agent_of("C1") == "A1"
    assert decided(world)[-1] == ("o3", "A1", Outcome.APPLIED, None)


def test_one_kept_for_a_stay_that_never_began_in_the_pool_is_refused_when_a_later_one_begins(world):
    world.agent("A1", capacity=5), world.agent("A2", capacity=5)
    world.override("C1", "A2", episode=1)  # stay 1 was in another team (as the override did not know)
    world.strategy("C1", campaigns=(("CAMP2", "T2", "CALL"),))
    world.strategy("C1", campaigns=(("CAMP1", "T1", "CALL"),))  # stay 2, in T1
    assert world.agent_of("C1") == "A1"
    assert decided(world)[-1] == (
        "o1",
        "A2",
        Outcome.REFUSED,
        "the customer's stay 1 in team T1 never began (stay 2 did)",
    )


def test_an_unknown_request_is_a_domain_error(world):
    with pytest.raises(logic.UnknownRequest):
        logic.on_request(world.state_of, "T1", {"kind": "nonsense"})


# ── properties over random event sequences ───────────────────────────────────────────────────────────────

# Mostly one team and type, so that agents and customers meet: the other team and type keep moves honest.
TEAMS, TYPES, CIFS, AGENTS = (
    ("T1", "T2"),
    ("CALL", "FIELD"),
    [f"C{i}" for i in range(10)],
    ["A1", "A2", "A3", "A4"],
)
team = st.sampled_from(["T1", "T1", "T1", "T2"])
agent_type = st.sampled_from(["CALL", "CALL", "CALL", "FIELD"])
mostly = st.sampled_from([True, True, True, False])
products = st.lists(st.sampled_from(["CREDIT_CARD", "MORTGAGE"]), unique=True, max_size=2)
buckets = st.sampled_from(["1-29", "30-59"])
customer_events = st.tuples(
    st.just("customer"),
    st.sampled_from(CIFS),
    st.one_of(st.none(), st.lists(st.tuples(st.sampled_from(["K1", "K2"]), team, agent_type), max_size=2)),
    mostly,  # delinquent
    products,
    buckets,
)
agent_events = st.tuples(
    st.just("agent"),
    st.sampled_from(AGENTS),
    team,
    agent_type,
    st.integers(0, 4),  # capacity
    mostly,  # active
    st.one_of(st.just([]), products),
    st.one_of(st.just([]), st.lists(buckets, unique=True, max_size=1)),
    st.sampled_from([False] * 7 + [True]),  # deleted
)
override_events = st.tuples(
    st.just("override"),
    st.sampled_from(CIFS),
    st.sampled_from(AGENTS),
    team,
    agent_type,
    st.sampled_from([0, 0, 0, 1, -1]),  # for the current stay mostly; else the next or the last one
)
events = st.lists(
    st.one_of(customer_events, customer_events, agent_events, override_events), min_size=20, max_size=80
)


def play(world: World, event, step: int) -> None:
    if event[0] == "customer":
        _, cif, chosen, delinquent, products, bucket = event
        day = f"2026-03-{min(step // 3 + 1, 28):02d}"  # the business date moves on, a day every few events
        world.strategy(cif, chosen, delinquent, products=products, bucket=bucket, date=day)
    elif event[0] == "override":
        _, cif, agent_id, team, agent_type, later = event
        held = world.customers(team, agent_type).get(cif)
        episodes = world.store.get((f"s|{cif}", "pools"), {}).get("episodes", {})
        current = held["episode"] if held else episodes.get(agent_type, 0)
        world.override(cif, agent_id, team, agent_type, episode=max(current + later, 1))
    else:
        _, agent_id, team, agent_type, capacity, active, products, buckets, deleted = event
        world.agent(agent_id, team, capacity, active, agent_type, deleted, products=products, buckets=buckets)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_allocation_invariants_hold_after_every_event(sequence):
    world = World()
    wanted: dict[str, dict[str, str]] = {}  # cif → {type: team}: what its last strategy record needs
    for step, event in enumerate(sequence):
        before = {
            (t, ty): {c: v["agent"] for c, v in world.customers(t, ty).items()} for t in TEAMS for ty in TYPES
        }
        rosters_before = {(t, ty): world.roster(t, ty) for t in TEAMS for ty in TYPES}
        made, decided_before = len(world.changes), len(world.decisions)
        play(world, event, step)
        if event[0] == "customer":
            _, cif, chosen, delinquent, *_ = event
            needs: dict[str, str] = {}
            for _, team, agent_type in (chosen or []) if delinquent else []:
                needs.setdefault(agent_type, team)
            wanted[cif] = needs
        for team in TEAMS:
            for agent_type in TYPES:
                check_pool(world, team, agent_type, wanted)
                check_stickiness(
                    world,
                    team,
                    agent_type,
                    before[(team, agent_type)],
                    rosters_before[(team, agent_type)],
                    event,
                )
        check_history(world, made)
        check_decisions(world, event, world.decisions[decided_before:])
    check_standing_decisions(world)


def check_decisions(world: World, event, new: list[logic.Decision]) -> None:
    if event[0] == "override":  # a reassignment is decided at once, first of what it decides
        assert new and new[0].override_id == f"o{world.overrides}"
    for decision in new:
        record = decision.record
        if record["outcome"] == Outcome.APPLIED:  # applied: the customer is with that agent now
            held = world.customers(record["team"], record["agent_type"])[record["cif"]]
            assert held["agent"] == record["agent_id"]


def check_standing_decisions(world: World) -> None:
    """As the sink keeps them (a decision stands, but KEPT_FOR_STAY gives way): one kept still is a pin."""
    standing: dict[str, dict] = {}
    for decision in world.decisions:
        old = standing.get(decision.override_id)
        if old is None or (old["outcome"] == Outcome.KEPT_FOR_STAY != decision.record["outcome"]):
            standing[decision.override_id] = decision.record
    assert set(standing) == {f"o{n}" for n in range(1, world.overrides + 1)}  # every one is decided
    for override_id, record in standing.items():
        if record["outcome"] == Outcome.KEPT_FOR_STAY:
            pin = world.store.get((f"{record['team']}|{record['agent_type']}|pins", record["cif"]))
            assert pin is not None and pin[3] == override_id


def check_pool(world: World, team: str, agent_type: str, wanted: dict) -> None:
    customers, roster, loads = (
        world.customers(team, agent_type),
        world.roster(team, agent_type),
        world.loads(team, agent_type),
    )
    # exactly the customers that need this pool are in it
    assert set(customers) == {cif for cif, needs in wanted.items() if needs.get(agent_type) == team}
    counted = defaultdict(int)
    for cif, customer in customers.items():
        if customer["agent"] is not None:
            counted[customer["agent"]] += 1
            agent = roster[customer["agent"]]
            assert fits(agent, world_need(customer, cif, team, agent_type))  # every assignment fits
    assert dict(counted) == loads  # the counters are exact
    left = {key for (prefix, key) in world.store if prefix == f"{team}|{agent_type}|left"}
    assert not left & set(customers)  # a customer back in the pool is no longer remembered as gone
    pins = [key for (prefix, key) in world.store if prefix == f"{team}|{agent_type}|pins"]
    counters = world.store.get((f"{team}|{agent_type}|pool", "counters"), {})
    assert len(pins) == counters.get("pins", 0)  # the count that spares new customers a read is exact
    for agent_id, agent in roster.items():
        assert loads.get(agent_id, 0) <= agent.capacity  # never above capacity
        assert agent.active or loads.get(agent_id, 0) == 0
    for cif, customer in customers.items():
        if customer["agent"] is None:  # waiting: no fitting agent has room
            need = world_need(customer, cif, team, agent_type)
            assert not [a for a in roster.values() if fits(a, need) and loads.get(a.agent_id, 0) < a.capacity]


def world_need(customer, cif, team, agent_type):
    return logic.need_of({**customer["need"], "cif": cif, "team": team, "agent_type": agent_type})


def check_stickiness(world, team, agent_type, before, roster_before, event) -> None:
    """A customer who had an agent keeps it unless the fit ended, the agent's capacity was lowered, or the
    customer left the pool."""
    if event[0] == "override":
        return  # a move by hand is the point
    roster, customers = world.roster(team, agent_type), world.customers(team, agent_type)
    for cif, old in before.items():
        if old is None or cif not in customers or customers[cif]["agent"] == old:
            continue
        agent = roster.get(old)
        still_fits = agent is not None and fits(agent, world_need(customers[cif], cif, team, agent_type))
        lowered = still_fits and event[:2] == ("agent", old) and agent.capacity < roster_before[old].capacity
        assert not still_fits or lowered, (cif, old, customers[cif]["agent"])


def check_history(world: World, made: int) -> None:
    """Per (cif, type), rows come in seq order and dates never go back: intervals never overlap."""
    last: dict[tuple[str, str], tuple[int, str]] = {}
    for change in world.changes:
        key = (change.cif, change.record["agent_type"])
        if key in last:
            seq, day = last[key]
            assert change.seq > seq and change.record["business_date"] >= day
        last[key] = (change.seq, change.record["business_date"])
    # the newest row of each (cif, type) is what its pool holds now
    for change in world.changes[made:]:
        team, agent_type = change.record["team"], change.record["agent_type"]
        newest = [c for c in world.changes if (c.cif, c.record["agent_type"]) == (change.cif, agent_type)][-1]
        held = world.customers(team, agent_type).get(change.cif)
        if newest is change and held is not None:
            assert held["agent"] == change.record["agent_id"]

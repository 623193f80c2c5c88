"""Allocation's pure rules: which agents fit a need, and which of them `choose` picks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import (
    KEPT,
    LEAST_LOADED,
    NO_CAPACITY,
    NO_FITTING_AGENT,
    Agent,
    Need,
    Skills,
    choose,
    fits,
    misfit,
    refusal,
)

NEED = Need(
    "C1",
    "T1",
    "CALL",
    "CAMP",
    frozenset({"CREDIT_CARD"}),
    "30-59",
    "vi",
    Skills(products=frozenset({"CREDIT_CARD"})),
)


def agent(agent_id="A1", capacity=10, active=True, team="T1", agent_type="CALL", **skills) -> Agent:
    return Agent(
        agent_id, team, agent_type, capacity, active, Skills(**{k: frozenset(v) for k, v in skills.items()})
    )


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (agent(products={"CREDIT_CARD"}), True),
        (agent(products={"CREDIT_CARD", "MORTGAGE"}, buckets={"30-59"}, languages={"vi", "en"}), True),
        (agent(products={"CREDIT_CARD"}, active=False), False),  # inactive
        (agent(products={"CREDIT_CARD"}, team="T2"), False),  # another team
        (agent(products={"CREDIT_CARD"}, agent_type="FIELD"), False),  # another type
        (agent(), False),  # the campaign requires the credit-card skill: an empty list does not have it
        (agent(products={"MORTGAGE"}), False),  # lists products, not the customer's
        (agent(products={"CREDIT_CARD"}, buckets={"1-29"}), False),  # lists buckets, not the customer's
        (agent(products={"CREDIT_CARD"}, buckets={"1-29", "30-59"}), True),
        (agent(products={"CREDIT_CARD"}, languages={"en"}), False),  # lists languages, not the customer's
    ],
)
def test_an_agent_fits_when_active_of_the_team_and_type_and_skilled(candidate, expected):
    assert fits(candidate, NEED) is expected


def test_every_product_of_the_customer_must_be_among_the_agents_and_unknown_language_holds_nobody_back():
    need = Need("C1", "T1", "CALL", products=frozenset({"CREDIT_CARD", "MORTGAGE"}), language=None)
    assert not fits(agent(products={"CREDIT_CARD"}), need)
    assert fits(agent(products={"CREDIT_CARD", "MORTGAGE"}, languages={"vi"}), need)
    assert fits(agent(), need)  # no skills listed, none required: anybody of the team and type


def test_required_buckets_and_languages_must_be_listed_by_the_agent():
    need = Need("C1", "T1", "CALL", bucket="90-119", required=Skills(buckets=frozenset({"90-119"})))
    assert not fits(agent(), need)
    assert fits(agent(buckets={"60-89", "90-119"}), need)
    need = Need("C1", "T1", "CALL", language="en", required=Skills(languages=frozenset({"en"})))
    assert fits(agent(languages={"en"}), need) and not fits(agent(languages={"vi"}), need)


def test_the_current_agent_is_kept_while_it_fits_even_when_full_and_others_are_emptier():
    candidates = [(agent("A1", capacity=2), 2), (agent("A2"), 0)]
    assert choose("A1", candidates) == ("A1", KEPT)


def test_otherwise_the_least_loaded_agent_with_room_wins_ties_to_the_smaller_id():
    candidates = [(agent("A3"), 1), (agent("A2"), 1), (agent("A1", capacity=3), 3), (agent("A4"), 2)]
    assert choose(None, candidates) == ("A2", LEAST_LOADED)
    assert choose("A9", candidates) == ("A2", LEAST_LOADED)  # the current agent no longer fits


def test_no_agent_when_every_fitting_agent_is_full_or_none_fits():
    assert choose(None, [(agent("A1", capacity=1), 1), (agent("A2", capacity=0), 0)]) == (None, NO_CAPACITY)
    assert choose(None, []) == (None, NO_FITTING_AGENT)


loads = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 6)), min_size=0, max_size=8
)  # (capacity, load) per agent


@given(loads, st.one_of(st.none(), st.integers(0, 9)))
def test_choose_never_overfills_and_picks_the_least_loaded(pool, current):
    candidates = [(agent(f"A{i}", capacity=cap), load) for i, (cap, load) in enumerate(pool)]
    current_id = None if current is None else f"A{current}"
    chosen, reason = choose(current_id, candidates)
    with_room = [(load, a.agent_id) for a, load in candidates if load < a.capacity]
    if current_id in {a.agent_id for a, _ in candidates}:
        assert (chosen, reason) == (current_id, KEPT)
    elif with_room:
        assert (chosen, reason) == (min(with_room)[1], LEAST_LOADED)
    else:
        assert chosen is None and reason == (NO_CAPACITY if candidates else NO_FITTING_AGENT)


@pytest.mark.parametrize(
    ("candidate", "load", "expected"),
    [
        (agent(products=["CREDIT_CARD"]), 3, None),
        (agent(active=False, products=["CREDIT_CARD"]), 0, "inactive"),
        (agent(team="T2", products=["CREDIT_CARD"]), 0, "a CALL agent of team T2, not CALL of T1"),
        (agent(), 0, "lacks the skills the campaign requires"),
        (agent(products=["CREDIT_CARD"], buckets=["90-119"]), 0, "does not handle bucket 30-59"),
        (agent(products=["CREDIT_CARD"], languages=["th"]), 0, "does not speak vi"),
        (agent(capacity=3, products=["CREDIT_CARD"]), 3, "full (3 of 3)"),
    ],
)
def test_a_move_by_hand_is_refused_with_the_first_reason_the_agent_cannot_take_the_customer(
    candidate, load, expected
):
    assert refusal(candidate, load, NEED) == expected
    assert fits(candidate, NEED) == (misfit(candidate, NEED) is None)

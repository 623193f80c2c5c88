"""Allocation: which agents may work a customer, and which one of them does.

A customer *needs* an agent of one type (CALL or FIELD) from one team when their campaign says so. An
agent *fits* that need when it is active, of that team and type, has every skill the campaign requires,
and, where it lists the products, buckets or languages it handles, the customer's are among them (an empty
list means any; a customer whose language is unknown is not held back by the agent's languages).

`choose` then picks: the current agent while it still fits (stickiness), otherwise the least loaded fitting
agent that has room (ties: the smaller agent_id), otherwise none. A customer back in collections soon after
leaving them returns to their last agent while that agent fits and has room (`returns_to`). A supervisor
may move a customer by hand to an agent that fits and has room (`refusal` says why one cannot). Nothing here
knows about Kafka or state; the pool state machine that keeps loads, members and the waiting list is
`processors/allocation/logic.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Reasons, in words, carried by every assignment record.
KEPT = "kept: still fits"
LEAST_LOADED = "least loaded fitting agent"
ROOM_FREED = "a fitting agent had room again"
NO_CAPACITY = "no capacity"
NO_FITTING_AGENT = "no fitting agent"


def returned(agent_id: str, until: str) -> str:
    return f"back to agent {agent_id}, who worked the customer until {until}"


def reassigned(by: str, from_agent_id: str | None, note: str | None) -> str:
    """The reason of a supervisor's reassignment, e.g. ``reassigned by sup1 from agent A1: speaks Thai``."""
    reason = f"reassigned by {by}" + (f" from agent {from_agent_id}" if from_agent_id else "")
    return f"{reason}: {note}" if note else reason


@dataclass(frozen=True, slots=True)
class Skills:
    products: frozenset[str] = frozenset()
    buckets: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()

    @classmethod
    def of(cls, raw: dict | None) -> Skills:
        """From the wire form ``{"products": [...], "buckets": [...], "languages": [...]}``."""
        raw = raw or {}
        return cls(
            frozenset(raw.get("products") or ()),
            frozenset(raw.get("buckets") or ()),
            frozenset(raw.get("languages") or ()),
        )

    def includes(self, required: Skills) -> bool:
        """Every required skill is listed here (a required skill is never met by an empty list)."""
        return (
            required.products <= self.products
            and required.buckets <= self.buckets
            and required.languages <= self.languages
        )


@dataclass(frozen=True, slots=True)
class Agent:
    agent_id: str
    team: str
    agent_type: str
    capacity: int
    active: bool = True
    skills: Skills = Skills()


@dataclass(frozen=True, slots=True)
class Need:
    """A customer's need for an agent of ``agent_type`` from ``team``, for a campaign."""

    cif: str
    team: str
    agent_type: str
    campaign_id: str | None = None
    products: frozenset[str] = frozenset()
    bucket: str | None = None
    language: str | None = None
    required: Skills = Skills()


def fits(agent: Agent, need: Need) -> bool:
    return misfit(agent, need) is None


def has_room(agent: Agent, load: int) -> bool:
    return agent.active and load < agent.capacity


def misfit(agent: Agent, need: Need) -> str | None:
    """Why ``agent`` does not fit ``need``, in words (the first reason `fits` finds); None when it fits."""
    skills = agent.skills
    if not agent.active:
        return "inactive"
    if agent.team != need.team or agent.agent_type != need.agent_type:
        return f"a {agent.agent_type} agent of team {agent.team}, not {need.agent_type} of {need.team}"
    if not skills.includes(need.required):
        return "lacks the skills the campaign requires"
    if skills.products and not need.products <= skills.products:
        return "does not handle all the customer's products"
    if skills.buckets and need.bucket is not None and need.bucket not in skills.buckets:
        return f"does not handle bucket {need.bucket}"
    if skills.languages and need.language is not None and need.language not in skills.languages:
        return f"does not speak {need.language}"
    return None


def refusal(agent: Agent, load: int, need: Need) -> str | None:
    """Why a customer with ``need`` cannot be moved by hand to ``agent``, which carries ``load`` customers: it
    does not fit (stickiness would move them away again) or is full; None when they can."""
    reason = misfit(agent, need)
    if reason is None and load >= agent.capacity:
        reason = f"full ({load} of {agent.capacity})"
    return reason


def choose(current_agent_id: str | None, candidates: Iterable[tuple[Agent, int]]) -> tuple[str | None, str]:
    """The agent for a customer among ``candidates`` (the agents that fit the need, with their loads).

    The current agent stays while it is among them, whatever its load (the customer is already counted in
    it). Otherwise the least loaded candidate with room wins, ties to the smaller agent_id.
    """
    candidates = list(candidates)
    if current_agent_id is not None and any(agent.agent_id == current_agent_id for agent, _ in candidates):
        return current_agent_id, KEPT
    with_room = [
        (load, agent.agent_id) for agent, load in candidates if agent.active and load < agent.capacity
    ]
    if with_room:
        return min(with_room)[1], LEAST_LOADED
    return None, NO_CAPACITY if candidates else NO_FITTING_AGENT


def returns_to(
    previous: tuple[str, str] | None,
    today: str | None,
    window_days: int,
    candidates: Iterable[tuple[Agent, int]],
) -> str | None:
    """The agent a customer back in collections returns to: ``previous`` = (agent_id, the business date their
    last stay ended), when that was at most ``window_days`` before ``today`` and the agent is among the
    fitting ``candidates`` with room. None otherwise (then `choose` decides)."""
    if previous is None or today is None or window_days <= 0:
        return None
    agent_id, until = previous
    if not until or (date.fromisoformat(today) - date.fromisoformat(until)).days > window_days:
        return None
    for agent, load in candidates:
        if agent.agent_id == agent_id:
            return agent_id if has_room(agent, load) else None
    return None

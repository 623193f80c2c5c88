"""The allocation processor's rules: customers' and agents' changes become pool requests, pools allocate.

Stage 1 (`customer_requests`, `agent_requests`) turns `strategy.assignments` (key cif) and `config.agents`
(key agent_id) into requests on `allocation.requests`, keyed by POOL = the team: so all of a team's agents
and customers meet on one partition and one state store, where load counters are exact. Stage 1 remembers
per cif which team it asked for each agent type (a move releases the old pool), and per agent its team.

Stage 2 (`on_request`) is the pool state machine over a partition's store, under prefixes
``{team}|{type}|...``:
- ``pool``: ``agents`` {agent_id: {capacity, active, skills}}, and ``counters``: {loads: {agent_id:
  customers}, waiting: how many customers wait without an agent, roster: the agents' fingerprint};
- ``members``: ``{agent_id}:{shard}`` → the agent's customers (sharded lists, for reallocation);
- ``waiting``: ``{shard}`` → customers without an agent, allocated as soon as a fitting agent has room;
- ``customers``: cif → {need, agent, campaign, episode, n};
- ``left``: cif → [agent_id, business date] of a customer whose stay ended because they left collections,
  so that one back within `CRM_ALLOCATION_RETURN_DAYS` returns to that agent (read and deleted when the
  customer comes back; one small key per cured customer otherwise);
- ``pins``: cif → [episode, agent_id, reason, override_id] of a supervisor's reassignment
  (`allocation.overrides`) read before the stay it names began (a replay reads the overrides ahead of the
  re-derived requests): the customer's placement in that stay takes the agent (read only while the counters
  say some are kept; pins kept before decisions existed have no override_id);
and ``{team}|team``: ``date`` (the newest business date of the team's requests), ``agent_types``.

Every change of a customer's agent (or campaign) is one `Change`: an `assignments` record and its ``seq``
for the type-2 history. seq = episode × SEQ_STRIDE + n: stage 1 numbers the customer's episodes (each
stay in one team's pool) and the pool numbers the changes within one, so rows from two pools never clash
and their order is the order of the customer's history.

Every reassignment read gets a `Decision` (applied, kept for its stay, already so, refused, superseded), and
one kept for its stay another when that stay begins: the sink keeps them for the supervisor who asked.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections.abc import Iterator
from typing import NamedTuple

import orjson

from contracts.reassignments import ReassignmentOutcome as Outcome
from domain.allocation import (
    KEPT,
    ROOM_FREED,
    Agent,
    Need,
    Skills,
    choose,
    fits,
    has_room,
    reassigned,
    refusal,
    returned,
    returns_to,
)
from domain.errors import DomainError
from processors.common.date_index import StateLike, StateOf

log = logging.getLogger(__name__)
REQUESTS, ASSIGNMENTS, OVERRIDES = "allocation.requests", "assignments", "allocation.overrides"
DECISIONS = "allocation.decisions"
CUSTOMER, RELEASE, AGENT, AGENT_LEFT = "customer", "release", "agent", "agent_left"
SHARDS = 64
# Room for the changes within one episode: a million agent changes in one stay is no real case.
SEQ_STRIDE = 1_000_000
RETURN_DAYS = 30  # CRM_ALLOCATION_RETURN_DAYS's default


class Change(NamedTuple):
    cif: str
    seq: int
    record: dict  # an `AgentAssignment`, JSON-ready


class Decision(NamedTuple):
    """What became of a supervisor's reassignment: an `Outcome` and, when nothing moved, why. A
    `ReassignmentDecision` on `allocation.decisions` (its ``record``)."""

    override_id: str
    record: dict


class Made(NamedTuple):
    """What one request or reassignment did: the assignment changes, in order, and the decisions taken."""

    changes: list[Change]
    decisions: list[Decision]


class UnknownRequest(DomainError):
    """A request on `allocation.requests` that no version of this processor writes."""


# ── stage 1: requests ────────────────────────────────────────────────────────────────────────────────────


def customer_requests(state: StateLike, cif: str, assignment: dict | None) -> list[tuple[str, dict]]:
    """The pool requests for a customer's new `StrategyAssignment` (JSON form; None: the customer is gone).

    The customer needs an agent of a type when delinquent and in a campaign with that agent type (the
    first such campaign, in the order of the record's groups, when two name the same type).
    """
    needs = _needs(cif, assignment)
    stored = state.get("pools", {})  # one key: a customer's stage-1 state is one read and one write
    asked = stored.get("asked", {})  # type → [team, episode, fingerprint]
    episodes = stored.get("episodes", {})  # type → the last episode, kept after a release
    requests: list[tuple[str, dict]] = []
    for agent_type in sorted(set(asked) | set(needs)):
        old, new = asked.get(agent_type), needs.get(agent_type)
        if old is not None and (new is None or new["team"] != old[0]):
            release = {
                "kind": RELEASE,
                "cif": cif,
                "team": old[0],
                "agent_type": agent_type,
                "episode": old[1],
                "business_date": assignment.get("business_date") if assignment else None,
            }
            if new is None:
                release["reason"] = _why_not_needed(assignment, agent_type)
            else:
                release["moved_to"] = new["team"]  # the new pool's first record supersedes
            requests.append((old[0], release))
            del asked[agent_type]
        if new is None:
            continue
        # The strategy version is left out: a re-evaluation under a new version that leaves the customer's
        # campaign and needs as they were changes nothing for allocation, so the pool is not asked again.
        fingerprint = _fingerprint({k: v for k, v in new.items() if k != "strategy_version"})
        if agent_type in asked:
            if asked[agent_type][2] == fingerprint:
                continue  # nothing allocation looks at has changed
            episode = asked[agent_type][1]
        else:
            episode = episodes.get(agent_type, 0) + 1
            episodes[agent_type] = episode
        asked[agent_type] = [new["team"], episode, fingerprint]
        requests.append(
            (new["team"], {**new, "episode": episode, "business_date": assignment["business_date"]})
        )
    if requests:
        state.set("pools", {"asked": asked, "episodes": episodes})
    return requests


def _needs(cif: str, assignment: dict | None) -> dict[str, dict]:
    if not assignment or not assignment.get("delinquent"):
        return {}
    needs: dict[str, dict] = {}
    for campaign in assignment["campaigns"]:
        agent_type, team = campaign.get("agent_type"), campaign.get("team")
        if agent_type and team and agent_type not in needs:
            needs[agent_type] = {
                "kind": CUSTOMER,
                "cif": cif,
                "team": team,
                "agent_type": agent_type,
                "campaign_id": campaign["campaign_id"],
                "products": sorted(assignment.get("products") or ()),
                "bucket": assignment.get("bucket"),
                "language": assignment.get("language"),
                "required_skills": campaign.get("required_skills") or {},
                "strategy_version": assignment.get("strategy_version"),
            }
    return needs


def _why_not_needed(assignment: dict | None, agent_type: str) -> str:
    if assignment is None:
        return "customer removed"
    if not assignment.get("delinquent"):
        return "no longer delinquent"
    return f"campaign needs no {agent_type} agent"


def agent_requests(state: StateLike, agent_id: str, config: dict | None) -> list[tuple[str, dict]]:
    """The pool requests for an agent's new `AgentConfig` (JSON form; None: the agent was deleted)."""
    old_team = state.get("team")
    new_team = config["team"] if config is not None else None
    requests: list[tuple[str, dict]] = []
    if old_team is not None and old_team != new_team:
        requests.append((old_team, {"kind": AGENT_LEFT, "agent_id": agent_id}))
    if config is None:
        state.delete("team")
        return requests
    state.set("team", new_team)
    requests.append((new_team, {"kind": AGENT, **config}))
    return requests


# ── stage 2: the pool ────────────────────────────────────────────────────────────────────────────────────


def on_request(state_of: StateOf, team: str, request: dict, return_days: int = RETURN_DAYS) -> Made:
    """Apply one request to team ``team``'s pool: the assignment changes it makes, in order, and the decisions
    on reassignments kept for the stay it begins.
    ``return_days``: how recently a customer back in collections may have left to return to their agent."""
    event = _Event(state_of, team, request.get("business_date"), return_days)
    kind = request.get("kind")
    if kind == CUSTOMER:
        _on_customer(event, request)
    elif kind == RELEASE:
        _on_release(event, request)
    elif kind == AGENT:
        _on_agent(event, request)
    elif kind == AGENT_LEFT:
        agent_type = event.agent_types.get(request["agent_id"])
        if agent_type is not None:
            _remove_agent(
                event, agent_type, request["agent_id"], f"agent {request['agent_id']} left the team"
            )
    else:
        raise UnknownRequest(f"unknown allocation request kind {kind!r}")
    event.save()
    return Made(event.changes, event.decisions)


def on_override(state_of: StateOf, team: str, override: dict) -> Made:
    """Apply a supervisor's reassignment (a `Reassignment`, JSON form) to team ``team``'s pool. Its decision
    comes first (then that of one it supersedes)."""
    event = _Event(state_of, team, None, RETURN_DAYS)
    pool = event.pool(override["agent_type"])
    override_id, cif, agent_id = override["override_id"], override["cif"], override["agent_id"]
    episode, customer = override["episode"], pool.customer(cif)
    reason = reassigned(override["requested_by"], override.get("from_agent_id"), override.get("note"))
    if customer is None or customer["episode"] < episode:  # the stay it names has not begun here yet
        kept = pool.kept_pin(cif)
        if kept is not None and kept[0] > episode:
            why = f"one for the customer's later stay {kept[0]} is kept"
            event.decide(pool, cif, override_id, agent_id, Outcome.REFUSED, why)
        else:  # the newest one for a stay wins
            pool.keep_pin(cif, episode, agent_id, reason, override_id)
            event.decide(pool, cif, override_id, agent_id, Outcome.KEPT_FOR_STAY)
            if kept is not None and len(kept) > 3 and kept[3] != override_id:
                why = f"a later reassignment to {agent_id} replaced it"
                event.decide(pool, cif, kept[3], kept[1], Outcome.SUPERSEDED, why)
    elif customer["episode"] > episode:
        why = f"the customer's stay {episode} in team {team} is over"
        event.decide(pool, cif, override_id, agent_id, Outcome.REFUSED, why)
    elif customer["agent"] == agent_id:
        event.decide(pool, cif, override_id, agent_id, Outcome.ALREADY)
    else:
        why = _refusal(pool, agent_id, cif)
        if why is None:
            old = customer["agent"]
            if old is not None:
                pool.unassign(cif, old)
            else:
                pool.unwait(cif)
            pool.assign(cif, agent_id)
            event.record(pool, cif, customer, agent_id, reason)
            if old is not None:
                _fill(event, pool, old)
            event.decide(pool, cif, override_id, agent_id, Outcome.APPLIED)
        else:
            event.decide(pool, cif, override_id, agent_id, Outcome.REFUSED, why)
    event.save()
    return Made(event.changes, event.decisions)


def _refusal(pool: _Pool, agent_id: str, cif: str) -> str | None:
    """Why the pool's agent ``agent_id`` cannot take customer ``cif`` now (None: they can)."""
    target = pool.agent(agent_id)
    return refusal(target, pool.load(agent_id), pool.need(cif)) if target else "not in the pool"


def _decide_pin(event: _Event, pool: _Pool, cif: str, pin: list, episode: int, agent_id: str | None) -> None:
    """The decision on a reassignment kept for a stay, taken as the customer's stay ``episode`` begins with
    ``agent_id``: applied when that is the stay and the agent it named, refused otherwise."""
    if len(pin) < 4:  # kept before decisions existed: nobody waits for one
        if pin[1] != agent_id:
            log.warning(
                "reassignment not applied: does not fit or is full", extra={"cif": cif, "agent_id": pin[1]}
            )
        return
    pinned_episode, pinned_agent, _reason, override_id = pin
    if pinned_episode != episode:
        why = f"the customer's stay {pinned_episode} in team {pool.team} never began (stay {episode} did)"
        event.decide(pool, cif, override_id, pinned_agent, Outcome.REFUSED, why)
    elif agent_id == pinned_agent:
        event.decide(pool, cif, override_id, pinned_agent, Outcome.APPLIED)
    else:
        why = _refusal(pool, pinned_agent, cif) or "does not fit or is full"
        event.decide(pool, cif, override_id, pinned_agent, Outcome.REFUSED, why)


def _on_customer(event: _Event, request: dict) -> None:
    cif, pool = request["cif"], event.pool(request["agent_type"])
    need = need_of(request)
    wire = {k: request[k] for k in _NEED_FIELDS}
    customer = pool.customer(cif)
    if customer is None:
        episode = request["episode"]
        customer = {"episode": episode, "n": -1, "agent": None, "campaign": None, "need": wire}
        pin = pool.take_pin(cif, episode)
        pinned = (pin[1], pin[2]) if pin is not None and pin[0] == episode else None
        agent_id, reason = pool.place(
            need, back_after=(pool.left(cif), event.date, event.return_days), pinned=pinned
        )
        event.record(pool, cif, customer, agent_id, reason)
        if pin is not None:
            _decide_pin(event, pool, cif, pin, episode, agent_id)
        return
    old, freed = customer["agent"], None
    customer["need"] = wire
    if old is not None and (agent := pool.agent(old)) is not None and fits(agent, need):
        agent_id, reason = old, KEPT
    elif old is not None:
        pool.unassign(cif, old)
        agent_id, reason = pool.place(need)
        reason, freed = f"agent {old} no longer fits; {reason}", old
    else:
        pool.unwait(cif)
        agent_id, reason = pool.place(need)
    if agent_id != old or need.campaign_id != customer["campaign"]:
        event.record(pool, cif, customer, agent_id, reason)
    else:
        pool.put_customer(cif, customer)
    if freed is not None:
        _fill(event, pool, freed)


def _on_release(event: _Event, request: dict) -> None:
    cif, pool = request["cif"], event.pool(request["agent_type"])
    customer = pool.customer(cif)
    if customer is None or customer["episode"] != request["episode"]:
        return  # never allocated here, or a release of an earlier stay
    old = customer["agent"]
    if old is not None:
        pool.unassign(cif, old)
    else:
        pool.unwait(cif)
    if request.get("moved_to") is None:
        customer["need"] = {**customer["need"], "campaign_id": None}
        event.record(pool, cif, customer, None, request["reason"])
        if old is not None:  # so that a relapse soon after goes back to them
            pool.remember_left(cif, old, request.get("business_date") or event.date)
    pool.drop_customer(cif)
    if old is not None:
        _fill(event, pool, old)


def _on_agent(event: _Event, config: dict) -> None:
    agent = agent_of(config)
    agent_id = agent.agent_id
    old_type = event.agent_types.get(agent_id)
    if old_type is not None and old_type != agent.agent_type:
        _remove_agent(event, old_type, agent_id, f"agent {agent_id} changed type")
    pool = event.pool(agent.agent_type)
    before = pool.agent(agent_id)
    if before == agent:
        return  # the same configuration again (a re-publish): nothing to do
    pool.put_agent(agent)
    event.agent_types[agent_id] = agent.agent_type
    event.agent_types_changed = True
    moving: list[tuple[str, str]] = []  # (cif, cause)
    if not agent.active:
        moving = [(cif, f"agent {agent_id} deactivated") for cif in pool.members_of(agent_id)]
    elif before is not None and (before.skills != agent.skills or pool.load(agent_id) > agent.capacity):
        members = pool.members_of(agent_id)
        unfit = {cif for cif in members if not fits(agent, pool.need(cif))}
        moving = [(cif, f"agent {agent_id} skills changed") for cif in unfit]
        still = sorted((cif for cif in members if cif not in unfit), reverse=True)
        excess = len(still) - agent.capacity
        moving += [(cif, f"agent {agent_id} capacity lowered") for cif in still[: max(excess, 0)]]
    _move(event, pool, agent_id, moving)
    _fill(event, pool, agent_id)


def _remove_agent(event: _Event, agent_type: str, agent_id: str, cause: str) -> None:
    pool = event.pool(agent_type)
    _move(event, pool, agent_id, [(cif, cause) for cif in pool.members_of(agent_id)])
    pool.drop_agent(agent_id)
    event.agent_types.pop(agent_id, None)
    event.agent_types_changed = True


def _move(event: _Event, pool: _Pool, agent_id: str, moving: list[tuple[str, str]]) -> None:
    """Take customers off ``agent_id``, highest cif first, each to the least loaded other fitting agent."""
    for cif, cause in sorted(moving, reverse=True):
        pool.unassign(cif, agent_id)
        customer = pool.customer(cif)
        new_agent, reason = pool.place(pool.need(cif), exclude=agent_id)
        event.record(pool, cif, customer, new_agent, f"{cause}; {reason}")


def _fill(event: _Event, pool: _Pool, agent_id: str) -> None:
    """Give ``agent_id``'s free room to the waiting customers it fits (no other fitting agent had room)."""
    agent = pool.agent(agent_id)
    if agent is None or not agent.active:
        return
    room = agent.capacity - pool.load(agent_id)
    if room <= 0 or pool.waiting_count == 0:
        return
    for cif in pool.waiting():
        if fits(agent, pool.need(cif)):
            pool.unwait(cif)
            pool.assign(cif, agent_id)
            event.record(pool, cif, pool.customer(cif), agent_id, ROOM_FREED)
            room -= 1
            if room == 0:
                return


_NEED_FIELDS = ("campaign_id", "products", "bucket", "language", "required_skills", "strategy_version")


def need_of(request: dict) -> Need:
    return Need(
        request.get("cif", ""),
        request.get("team", ""),
        request.get("agent_type", ""),
        request.get("campaign_id"),
        frozenset(request.get("products") or ()),
        request.get("bucket"),
        request.get("language"),
        Skills.of(request.get("required_skills")),
    )


def agent_of(config: dict) -> Agent:
    return Agent(
        config["agent_id"],
        config["team"],
        config["type"],
        int(config["capacity"]),
        bool(config.get("active", True)),
        Skills.of(config.get("skills")),
    )


class _Event:
    """One request's view of a team: its pools (one per agent type), the team's date, the changes made."""

    def __init__(self, state_of: StateOf, team: str, business_date: str | None, return_days: int) -> None:
        self.state_of, self.team, self.return_days = state_of, team, return_days
        self._team_state = state_of(f"{team}|team")
        stored = self._team_state.get("date")
        self.date = max(filter(None, (stored, business_date)), default=None)
        self._date_changed = self.date != stored
        self._agent_types: dict[str, str] | None = None  # read by agent requests only
        self.agent_types_changed = False
        self._pools: dict[str, _Pool] = {}
        self.changes: list[Change] = []
        self.decisions: list[Decision] = []

    @property
    def agent_types(self) -> dict[str, str]:
        """Each agent of the team → its type (the pool it is in)."""
        if self._agent_types is None:
            self._agent_types = self._team_state.get("agent_types", {})
        return self._agent_types

    def pool(self, agent_type: str) -> _Pool:
        if agent_type not in self._pools:
            self._pools[agent_type] = _Pool(self.state_of, self.team, agent_type)
        return self._pools[agent_type]

    def record(self, pool: _Pool, cif: str, customer: dict, agent_id: str | None, reason: str) -> None:
        """The customer now has ``agent_id`` (or none): store it and emit the change."""
        customer["agent"], customer["campaign"] = agent_id, customer["need"]["campaign_id"]
        customer["n"] += 1
        pool.put_customer(cif, customer)
        record = {
            "cif": cif,
            "agent_type": pool.agent_type,
            "agent_id": agent_id,
            "team": self.team,
            "campaign_id": customer["campaign"],
            "reason": reason,
            "business_date": self.date,
            "strategy_version": customer["need"].get("strategy_version"),
        }
        self.changes.append(Change(cif, customer["episode"] * SEQ_STRIDE + customer["n"], record))

    def decide(
        self,
        pool: _Pool,
        cif: str,
        override_id: str,
        agent_id: str,
        outcome: Outcome,
        reason: str | None = None,
    ) -> None:
        record = {
            "override_id": override_id,
            "cif": cif,
            "team": self.team,
            "agent_type": pool.agent_type,
            "agent_id": agent_id,
            "outcome": outcome.value,
            "reason": reason,
            "business_date": self.date,
        }
        self.decisions.append(Decision(override_id, record))

    def save(self) -> None:
        for pool in self._pools.values():
            pool.save()
        if self._date_changed:
            self._team_state.set("date", self.date)
        if self.agent_types_changed:
            self._team_state.set("agent_types", self.agent_types)


class _Roster(NamedTuple):
    agents: dict[str, Agent]  # by agent_id, in agent_id order
    # Agents alike but for id and capacity, with one of them: `fits` is asked once per profile, not per agent
    profiles: tuple[tuple[Agent, tuple[Agent, ...]], ...]


def _roster_of(agents: dict[str, Agent]) -> _Roster:
    alike: dict[tuple, list[Agent]] = {}
    for agent_id in sorted(agents):
        agent = agents[agent_id]
        alike.setdefault((agent.active, agent.skills), []).append(agent)
    return _Roster(
        {a: agents[a] for a in sorted(agents)}, tuple((group[0], tuple(group)) for group in alike.values())
    )


_COMPILED: dict[str, _Roster] = {}  # roster fingerprint → roster; content-addressed, so never stale


class _Pool:
    """One team's agents and customers of one agent type; reads through, writes back on `save`."""

    def __init__(self, state_of: StateOf, team: str, agent_type: str) -> None:
        prefix = f"{team}|{agent_type}"
        self.team, self.agent_type = team, agent_type
        self._state = state_of(f"{prefix}|pool")
        self._member_state = state_of(f"{prefix}|members")
        self._waiting_state = state_of(f"{prefix}|waiting")
        self._customer_state = state_of(f"{prefix}|customers")
        self._left_state = state_of(f"{prefix}|left")
        self._left: dict[str, list | None] = {}  # changed this event; None: deleted
        self._pin_state = state_of(f"{prefix}|pins")
        self._pins: dict[str, list | None] = {}  # changed this event; None: deleted
        # The per-event counters in one key: every request reads it and most write it.
        counters = self._state.get("counters", {})
        self.loads: dict[str, int] = counters.get("loads", {})
        self.waiting_count: int = counters.get("waiting", 0)
        self.pin_count: int = counters.get("pins", 0)
        self._fingerprint: str = counters.get("roster", "")
        self._roster: _Roster | None = None
        self._roster_changed = self._counters_changed = False
        self._lists: dict[tuple[str, str], list[str]] = {}  # ("m"|"w", key) → list, changed ones only
        self._customers: dict[str, dict | None] = {}  # read or changed this event; None: dropped
        self._dirty: set[str] = set()

    # agents
    def roster(self) -> _Roster:
        if self._roster is None:
            fingerprint = self._fingerprint
            roster = _COMPILED.get(fingerprint)
            if roster is None:
                raw = self._state.get("agents", {})
                roster = _roster_of(
                    {
                        agent_id: agent_of(
                            {"agent_id": agent_id, "team": self.team, "type": self.agent_type, **a}
                        )
                        for agent_id, a in raw.items()
                    }
                )
                if len(_COMPILED) > 1024:
                    _COMPILED.clear()
                _COMPILED[fingerprint] = roster
            self._roster = roster
        return self._roster

    def agent(self, agent_id: str) -> Agent | None:
        return self.roster().agents.get(agent_id)

    def put_agent(self, agent: Agent) -> None:
        self._roster = _roster_of({**self.roster().agents, agent.agent_id: agent})
        self._roster_changed = True

    def drop_agent(self, agent_id: str) -> None:
        self._roster = _roster_of({k: v for k, v in self.roster().agents.items() if k != agent_id})
        self._roster_changed = True
        self.loads.pop(agent_id, None)
        self._counters_changed = True
        for shard in range(SHARDS):
            self._lists[("m", f"{agent_id}:{shard}")] = []

    def load(self, agent_id: str) -> int:
        return self.loads.get(agent_id, 0)

    def place(
        self,
        need: Need,
        exclude: str | None = None,
        back_after: tuple | None = None,
        pinned: tuple[str, str] | None = None,
    ) -> tuple[str | None, str]:
        """Give the customer the least loaded fitting agent with room, or put them on the waiting list.
        ``back_after`` = (`left`, today, window days) of a customer back in collections (`returns_to`);
        ``pinned`` = (agent_id, reason) a supervisor chose for this stay, taken while it fits and has room."""
        loads = self.loads
        candidates = [
            (agent, loads.get(agent.agent_id, 0))
            for alike, agents in self.roster().profiles
            if fits(alike, need)
            for agent in agents
            if agent.agent_id != exclude
        ]
        back_to = returns_to(*back_after, candidates) if back_after else None
        if pinned is not None and any(a.agent_id == pinned[0] and has_room(a, n) for a, n in candidates):
            agent_id, reason = pinned
        elif back_to is not None:
            agent_id, reason = back_to, returned(back_to, back_after[0][1])
        else:
            agent_id, reason = choose(None, candidates)
        if agent_id is None:
            self._add("w", str(_shard(need.cif)), need.cif)
            self.waiting_count += 1
            self._counters_changed = True
        else:
            self.assign(need.cif, agent_id)
        return agent_id, reason

    # membership and loads
    def assign(self, cif: str, agent_id: str) -> None:
        self.loads[agent_id] = self.loads.get(agent_id, 0) + 1
        self._counters_changed = True
        self._add("m", f"{agent_id}:{_shard(cif)}", cif)

    def unassign(self, cif: str, agent_id: str) -> None:
        if self._remove("m", f"{agent_id}:{_shard(cif)}", cif):
            self.loads[agent_id] -= 1
            if not self.loads[agent_id]:
                del self.loads[agent_id]
            self._counters_changed = True

    def unwait(self, cif: str) -> None:
        if self._remove("w", str(_shard(cif)), cif):
            self.waiting_count -= 1
            self._counters_changed = True

    def members_of(self, agent_id: str) -> list[str]:
        return [cif for shard in range(SHARDS) for cif in self._list("m", f"{agent_id}:{shard}")]

    def waiting(self) -> Iterator[str]:
        """Waiting customers, shard by shard, oldest first within a shard (a snapshot of each shard)."""
        for shard in range(SHARDS):
            yield from list(self._list("w", str(shard)))

    # customers
    def customer(self, cif: str) -> dict | None:
        if cif not in self._customers:
            self._customers[cif] = self._customer_state.get(cif)
        return self._customers[cif]

    def need(self, cif: str) -> Need:
        return need_of(
            {**self.customer(cif)["need"], "cif": cif, "team": self.team, "agent_type": self.agent_type}
        )

    def put_customer(self, cif: str, customer: dict) -> None:
        self._customers[cif] = customer
        self._dirty.add(cif)

    def drop_customer(self, cif: str) -> None:
        self._customers[cif] = None
        self._dirty.add(cif)

    def left(self, cif: str) -> tuple[str, str] | None:
        """(agent_id, business date) of the customer's last stay, ended by leaving collections; forgotten
        once read (the caller is placing the customer again)."""
        stored = self._left[cif] if cif in self._left else self._left_state.get(cif)
        if not stored:
            return None  # nothing to forget: no write (most customers are new, not back)
        self._left[cif] = None
        return stored[0], stored[1]

    def remember_left(self, cif: str, agent_id: str, business_date: str | None) -> None:
        if business_date:  # undated (the customer was removed): no return to measure
            self._left[cif] = [agent_id, business_date]

    def kept_pin(self, cif: str) -> list | None:
        """The reassignment kept for one of the customer's stays: [episode, agent_id, reason, override_id]."""
        return self._pins[cif] if cif in self._pins else self._pin_state.get(cif)

    def keep_pin(self, cif: str, episode: int, agent_id: str, reason: str, override_id: str) -> None:
        """Keep a reassignment for the customer's stay ``episode`` until it begins, instead of any kept."""
        if self.kept_pin(cif) is None:
            self.pin_count += 1
            self._counters_changed = True
        self._pins[cif] = [episode, agent_id, reason, override_id]

    def take_pin(self, cif: str, episode: int) -> list | None:
        """The reassignment kept for the customer's stay ``episode``, now beginning, or for an earlier stay
        (which can no longer be): [episode, agent_id, reason, override_id], forgotten once taken. One for a
        later stay stays kept. No read while none is kept."""
        if not self.pin_count:
            return None
        stored = self.kept_pin(cif)
        if stored is None or stored[0] > episode:
            return None
        self._pins[cif] = None
        self.pin_count -= 1
        self._counters_changed = True
        return stored

    # sharded lists
    def _list(self, kind: str, key: str) -> list[str]:
        if (kind, key) not in self._lists:
            state = self._member_state if kind == "m" else self._waiting_state
            return state.get(key, [])
        return self._lists[(kind, key)]

    def _add(self, kind: str, key: str, cif: str) -> None:
        self._lists[(kind, key)] = [*self._list(kind, key), cif]

    def _remove(self, kind: str, key: str, cif: str) -> bool:
        members = self._list(kind, key)
        if cif not in members:
            return False
        self._lists[(kind, key)] = [c for c in members if c != cif]
        return True

    def save(self) -> None:
        if self._roster_changed:
            raw = {
                agent_id: {"capacity": a.capacity, "active": a.active, "skills": _skills_json(a.skills)}
                for agent_id, a in self.roster().agents.items()
            }
            self._fingerprint = _fingerprint([self.team, self.agent_type, raw])
            self._state.set("agents", raw)
            _COMPILED[self._fingerprint] = self.roster()
        if self._counters_changed or self._roster_changed:
            counters = {"loads": self.loads, "waiting": self.waiting_count, "roster": self._fingerprint}
            if self.pin_count:  # absent when none: pools written before pins existed read the same
                counters["pins"] = self.pin_count
            self._state.set("counters", counters)
        for (kind, key), members in self._lists.items():
            _put(self._member_state if kind == "m" else self._waiting_state, key, members)
        for cif in self._dirty:
            _put(self._customer_state, cif, self._customers[cif])
        for cif, left in self._left.items():
            _put(self._left_state, cif, left)
        for cif, pin in self._pins.items():
            _put(self._pin_state, cif, pin)


def _put(state: StateLike, key: str, value: object) -> None:
    """Store ``value``, or delete the key when it is empty (nothing is kept for nothing)."""
    if value:
        state.set(key, value)
    else:
        state.delete(key)


def _shard(cif: str) -> int:
    return zlib.crc32(cif.encode()) % SHARDS


def _skills_json(skills: Skills) -> dict:
    return {
        "products": sorted(skills.products),
        "buckets": sorted(skills.buckets),
        "languages": sorted(skills.languages),
    }


def _fingerprint(value: object) -> str:
    return hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=12).hexdigest()

"""The portfolio dashboard from the pre-aggregated tables of migrations 0013, 0015 and 0016 (kept by
triggers), never from a scan of the loans or the actions: nine small reads (a few aggregate rows per day
and currency, the agents with their own figures, the promises judged today), pipelined into one round trip.

`portfolio_summary` is also what the live events push to supervisors; `rebuild_aggregates` recomputes the
aggregates from the base tables (after a replay; tests compare it with what the triggers kept).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg

from domain.buckets import DEFAULT_BUCKETS, Transition
from processors.search.documents import fold

# The latest business date ("today") and the first day of its month, computed in each query so that all of
# them go in one pipeline. One index lookup each (loan_delinquency_business_date_idx).
_TODAY = "(SELECT max(business_date) FROM loan_delinquency)"
_MONTH_START = f"date_trunc('month', {_TODAY})::date"

QUERIES = {
    "dates": f"SELECT {_TODAY}, {_MONTH_START}",
    "buckets": "SELECT bucket, rtrim(currency), accounts, overdue, outstanding FROM agg_buckets",
    "collected": f"""
        SELECT rtrim(currency), coalesce(sum(amount) FILTER (WHERE day = {_TODAY}), 0), sum(amount)
        FROM agg_collected WHERE day BETWEEN {_MONTH_START} AND {_TODAY}
        GROUP BY currency ORDER BY 1""",
    "promises": f"""
        SELECT status, coalesce(sum(promises) FILTER (WHERE made_on = {_TODAY}), 0), sum(promises)
        FROM agg_promises WHERE made_on BETWEEN {_MONTH_START} AND {_TODAY} GROUP BY status""",
    # judged today, whatever day made: an index range of one day (promises_settled_idx, migration 0030)
    "settled": f"""
        SELECT status, count(*) FROM promises WHERE settled_on = {_TODAY} GROUP BY status""",
    "transitions": f"""
        SELECT kind, from_bucket, to_bucket, accounts FROM agg_transitions WHERE business_date = {_TODAY}""",
    # each agent with their workload, their day's work and their month's judged promises, in one result
    "agents": f"""
        SELECT a.agent_id, a.config ->> 'name', a.config ->> 'team', a.config ->> 'type',
               coalesce((a.config ->> 'active')::boolean, true), coalesce((a.config ->> 'capacity')::int, 0),
               coalesce(w.assigned, 0), coalesce(t.actions, 0), coalesce(t.contacts, 0),
               coalesce(t.promises, 0), coalesce(p.kept, 0), coalesce(p.broken, 0)
        FROM agents a
        LEFT JOIN agg_agent_workload w ON w.agent_id = a.agent_id
        LEFT JOIN agg_agent_actions t ON t.agent_id = a.agent_id AND t.day = {_TODAY}
        LEFT JOIN (SELECT agent_id, sum(promises) FILTER (WHERE status = 'KEPT')::bigint AS kept,
                          sum(promises) FILTER (WHERE status = 'BROKEN')::bigint AS broken
                   FROM agg_agent_promises WHERE month = {_MONTH_START} GROUP BY agent_id) AS p
               ON p.agent_id = a.agent_id
        WHERE %(team)s::text IS NULL OR a.config ->> 'team' = %(team)s
        ORDER BY a.agent_id""",
    # money collected on each agent's customers (migration 0016), per currency
    "agent_collected": f"""
        SELECT agent_id, rtrim(currency), coalesce(sum(amount) FILTER (WHERE day = {_TODAY}), 0), sum(amount)
        FROM agg_agent_collected WHERE day BETWEEN {_MONTH_START} AND {_TODAY}
        GROUP BY agent_id, currency ORDER BY 1, 2""",
    "activity": f"""
        SELECT coalesce(sum(actions) FILTER (WHERE day = {_TODAY}), 0),
               coalesce(sum(contacts) FILTER (WHERE day = {_TODAY}), 0),
               coalesce(sum(promises) FILTER (WHERE day = {_TODAY}), 0),
               coalesce(sum(actions), 0), coalesce(sum(contacts), 0), coalesce(sum(promises), 0)
        FROM agg_actions WHERE day BETWEEN {_MONTH_START} AND {_TODAY}""",
}
ROLLING_KINDS = (Transition.ENTRY.value, Transition.ROLL_FORWARD.value)  # from CURRENT, from a delinquent one


AGENTS_PAGE = 100  # agents listed unless a page is asked for (what the live events push)
AGENTS_LIMIT_MAX = 1_000


@dataclass(frozen=True, slots=True)
class AgentsPage:
    """Which agents a summary lists: from ``offset``, at most ``limit``, of those holding ``find``."""

    find: str | None = None
    offset: int = 0
    limit: int = AGENTS_PAGE


def portfolio_summary(
    conn: psycopg.Connection, team: str | None, page: AgentsPage = AgentsPage()
) -> dict[str, Any]:
    """The body of GET /api/dashboard/portfolio (JSON-able: money as decimal strings, dates ISO).

    ``team`` limits the agents to that team; the portfolio figures are always portfolio-wide. ``page``
    chooses the agents listed; their sum is everyone's (of ``team``).
    """
    with conn.pipeline():
        cursors = {name: conn.cursor() for name in QUERIES}
        for name, cursor in cursors.items():
            cursor.execute(QUERIES[name], {"team": team})
        rows = {name: cursor.fetchall() for name, cursor in cursors.items()}
    today, month_start = rows["dates"][0]
    buckets = _buckets(rows["buckets"])
    roll_rates, cure_rate = _rates(rows["buckets"], rows["transitions"])
    return {
        "business_date": today.isoformat() if today else None,
        "month_start": month_start.isoformat() if month_start else None,
        "team": team,
        "buckets": buckets,
        "collected": [_collected(*row) for row in rows["collected"]],
        "promises": _promises(rows["promises"], rows["settled"]),
        "activity": _activity(rows["activity"][0]),
        "roll_rates": roll_rates,
        "cure_rate": cure_rate,
        **_agents_listed(_agents(rows["agents"], rows["agent_collected"]), page),
    }


def rebuild_aggregates(conn: psycopg.Connection) -> None:
    """Recompute every dashboard aggregate from its base table, in one transaction, under the locks the
    triggers take (writers meanwhile wait, then apply their deltas on top)."""
    with conn.transaction():
        conn.execute("SELECT rebuild_dashboard_aggregates()")


def _money(amount: Decimal) -> str:
    return format(amount, "f")


def _rank(label: str) -> tuple[int, str]:
    """Bucket order; labels outside the default configuration go last, alphabetically."""
    labels = DEFAULT_BUCKETS.labels
    return (labels.index(label), "") if label in labels else (len(labels), label)


def _buckets(rows: list[tuple]) -> list[dict[str, Any]]:
    """Every bucket of each currency the portfolio holds (zeros included, so charts keep their axes)."""
    held = {(row[0], row[1]): row[2:] for row in rows}
    currencies = sorted({currency for _, currency in held})
    labels = sorted({*DEFAULT_BUCKETS.labels, *(label for label, _ in held)}, key=_rank)
    out = []
    for label in labels:
        for currency in currencies:
            accounts, overdue, outstanding = held.get((label, currency), (0, Decimal(0), Decimal(0)))
            out.append(
                {
                    "bucket": label,
                    "currency": currency,
                    "accounts": accounts,
                    "overdue": _money(overdue),
                    "outstanding": _money(outstanding),
                }
            )
    return out


def _rates(buckets: list[tuple], transitions: list[tuple]) -> tuple[list[dict], dict]:
    """Roll rates per bucket and the cure rate on the business date.

    Accounts in bucket B at the start of the date = in B now − moved into B that date + moved out of B that
    date (every move of a loan between buckets is a transition, so a loan's moves telescope). Loans first
    seen that date count as if they had been there at the start.
    """
    now: dict[str, int] = defaultdict(int)
    for bucket, _currency, accounts, _overdue, _outstanding in buckets:
        now[bucket] += accounts
    start = dict(now)
    rolled: dict[str, int] = defaultdict(int)
    cured = 0
    for kind, from_bucket, to_bucket, accounts in transitions:
        start[to_bucket] = start.get(to_bucket, 0) - accounts
        start[from_bucket] = start.get(from_bucket, 0) + accounts
        if kind in ROLLING_KINDS:
            rolled[from_bucket] += accounts
        elif kind == Transition.CURE.value:
            cured += accounts
    labels = DEFAULT_BUCKETS.labels
    roll_rates = [
        {
            "from_bucket": label,
            "to_bucket": labels[n + 1],
            "accounts_at_start": start.get(label, 0),
            "rolled_forward": rolled[label],
            "rate": _ratio(rolled[label], start.get(label, 0)),
        }
        for n, label in enumerate(labels[:-1])
    ]
    delinquent = sum(count for label, count in start.items() if label != DEFAULT_BUCKETS.current)
    cure_rate = {"delinquent_at_start": delinquent, "cured": cured, "rate": _ratio(cured, delinquent)}
    return roll_rates, cure_rate


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole > 0 else None


def _promises(rows: list[tuple], settled: list[tuple]) -> dict[str, dict[str, Any]]:
    today = {"made": 0, "kept": 0, "broken": 0, "pending": 0}
    month = dict(today)
    for status, on_the_day, in_the_month in rows:
        key = status.lower()
        today[key] = today.get(key, 0) + int(on_the_day)
        month[key] = month.get(key, 0) + int(in_the_month)
        today["made"] += int(on_the_day)
        month["made"] += int(in_the_month)
    for counts in (today, month):
        counts["kept_rate"] = _ratio(counts["kept"], counts["kept"] + counts["broken"])
    judged = {"kept": 0, "broken": 0} | {status.lower(): int(count) for status, count in settled}
    return {"today": today, "this_month": month, "settled_today": judged}


def _activity(totals: tuple) -> dict[str, dict[str, Any]]:
    """Every agent's actions, right-party contacts and promises together, today and this month, with the
    right-party contact rate (contacts / actions) and the promise rate (promises / contacts)."""
    counts = [int(count) for count in totals]
    return {"today": _activity_counts(*counts[:3]), "this_month": _activity_counts(*counts[3:])}


def _activity_counts(actions: int, contacts: int, promises: int) -> dict[str, Any]:
    return {
        "actions": actions,
        "contacts": contacts,
        "promises": promises,
        "contact_rate": _ratio(contacts, actions),
        "promise_rate": _ratio(promises, contacts),
    }


def _agents(rows: list[tuple], collected_rows: list[tuple]) -> list[dict[str, Any]]:
    collected: dict[str, list[dict[str, str]]] = defaultdict(list)
    for agent_id, currency, day, month in collected_rows:
        collected[agent_id].append(_collected(currency, day, month))
    return [{**_agent(row), "collected": collected.get(row[0], [])} for row in rows]


_SUMMED = (
    "assigned",
    "capacity",
    "actions_today",
    "contacts_today",
    "promises_today",
    "promises_kept_this_month",
    "promises_broken_this_month",
)


def _agents_listed(agents: list[dict[str, Any]], page: AgentsPage) -> dict[str, Any]:
    """The page of ``agents`` holding ``page.find``, how many hold it, and everyone's sum."""
    wanted = fold(page.find).strip() if page.find else ""
    chosen = [a for a in agents if _holds(a, wanted)] if wanted else agents
    return {
        "agents": chosen[page.offset : page.offset + page.limit],
        "agents_total": len(chosen),
        "agents_sum": _agents_sum(agents),
    }


@lru_cache(maxsize=20_000)
def _folded(text: str) -> str:
    """`fold`, remembered: agents' names rarely change, and folding 2,000 of them took 11 ms a find."""
    return fold(text)


def _holds(agent: dict[str, Any], wanted: str) -> bool:
    parts = (agent["name"], agent["agent_id"], agent["team"])
    return wanted in _folded("\0".join(part for part in parts if part))  # a NUL matches nothing typed


def _agents_sum(agents: list[dict[str, Any]]) -> dict[str, Any]:
    sums = {field: sum(agent[field] for agent in agents) for field in _SUMMED}
    today: dict[str, Decimal] = defaultdict(Decimal)
    month: dict[str, Decimal] = defaultdict(Decimal)
    for agent in agents:
        for figures in agent["collected"]:
            today[figures["currency"]] += Decimal(figures["today"])
            month[figures["currency"]] += Decimal(figures["this_month"])
    return {
        "agents": len(agents),
        **sums,
        "utilisation": _ratio(sums["assigned"], sums["capacity"]),
        "collected": [_collected(c, today[c], month[c]) for c in sorted(month)],
    }


def _collected(currency: str, day: Decimal, month: Decimal) -> dict[str, str]:
    return {"currency": currency, "today": _money(day), "this_month": _money(month)}


def _agent(row: tuple) -> dict[str, Any]:
    agent_id, name, team, kind, active, capacity, assigned, actions, contacts, promises, kept, broken = row
    return {
        "agent_id": agent_id,
        "name": name,
        "team": team,
        "type": kind,
        "active": active,
        "assigned": assigned,
        "capacity": capacity,
        "utilisation": _ratio(assigned, capacity),
        "actions_today": actions,
        "contacts_today": contacts,
        "promises_today": promises,
        "promises_kept_this_month": kept,
        "promises_broken_this_month": broken,
    }

"""What `crm bench` watches while the pipeline works: each sink's figures, each processor's lag.

A sink is *complete* at the first poll from which its figures (``*_figures`` below) no longer change until
the whole pipeline is idle (`topics.lag.wait_pipeline_idle`), provided its final figures pass the checks
of ``expected_checks`` (counts derived from the portfolio and from PostgreSQL's final state). So the time
is when the sink last changed, to within one poll, and a sink that merely went quiet too early fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis

from benchmarks import e2e_rules
from crm.settings import Settings

# One statement, one snapshot: row counts, and revision sums that move whenever a row is rewritten.
_PG_FIGURES = """
SELECT
  (SELECT count(*) FROM customers) AS customers,
  (SELECT count(*) FROM loans) AS loans,
  (SELECT count(*) FROM payments) AS payments,
  (SELECT count(*) FROM loan_delinquency) AS loan_delinquency,
  (SELECT coalesce(sum(revision), 0)::bigint FROM loan_delinquency) AS loan_revisions,
  (SELECT max(business_date)::text FROM loan_delinquency) AS business_date,
  (SELECT count(*) FROM customer_delinquency) AS customer_delinquency,
  (SELECT coalesce(sum(revision), 0)::bigint FROM customer_delinquency) AS customer_revisions,
  (SELECT count(*) FROM strategy_assignments) AS strategy_assignments,
  (SELECT count(*) FROM agent_assignments WHERE valid_to IS NULL AND agent_id IS NOT NULL)
    AS current_agent_assignments,
  (SELECT count(*) FROM agent_assignments) AS agent_assignment_records,
  (SELECT count(*) FROM promises) AS promises
"""

# Queue entries the final PostgreSQL state calls for: one per (customer, assigned agent) with arrears.
_EXPECTED_QUEUE_ENTRIES = """
SELECT count(DISTINCT (a.cif, a.agent_id))
FROM agent_assignments a JOIN customer_delinquency d ON d.cif = a.cif
WHERE a.valid_to IS NULL AND a.agent_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM jsonb_each_text(d.overdue_total) o WHERE o.value::numeric > 0)
"""
# Allocation's invariants over the final state: no agent above capacity, and every current assignment in a
# campaign of the customer's (its team, agent type and id) while the customer is delinquent.
_OVER_CAPACITY = """
SELECT count(*) FROM agents g
JOIN (SELECT agent_id, count(*) AS held FROM agent_assignments
      WHERE valid_to IS NULL AND agent_id IS NOT NULL GROUP BY agent_id) w USING (agent_id)
WHERE w.held > coalesce((g.config ->> 'capacity')::int, 0)
"""
_OUTSIDE_CAMPAIGNS = """
SELECT count(*) FROM agent_assignments a
LEFT JOIN strategy_assignments s USING (cif)
WHERE a.valid_to IS NULL AND a.agent_id IS NOT NULL
  AND NOT (coalesce(s.delinquent, false) AND EXISTS (
      SELECT 1 FROM jsonb_array_elements(s.campaigns) c
      WHERE c ->> 'agent_type' = a.agent_type AND c ->> 'team' = a.team
        AND c ->> 'campaign_id' = a.campaign_id))
"""
_CALL_AGENTS = (
    "SELECT count(*) FROM agent_assignments"
    " WHERE valid_to IS NULL AND agent_id IS NOT NULL AND agent_type = 'CALL'"
)


def postgres_figures(conn: psycopg.Connection) -> dict[str, Any]:
    cursor = conn.execute(_PG_FIGURES)
    names = [column.name for column in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def elasticsearch_figures(client, alias: str) -> dict[str, Any]:
    """Documents, how many carry delinquency and a call agent, and the DPD total (moves on any re-score)."""
    body = client.search(
        index=alias,
        size=0,
        track_total_hits=True,
        aggs={
            "with_delinquency": {"value_count": {"field": "business_date"}},
            "with_call_agent": {"value_count": {"field": "call_agent_id"}},
            "dpd_total": {"sum": {"field": "max_dpd"}},
        },
    ).body
    aggs = body["aggregations"]
    return {
        "documents": body["hits"]["total"]["value"],
        "with_delinquency": aggs["with_delinquency"]["value"],
        "with_call_agent": aggs["with_call_agent"]["value"],
        "dpd_total": int(aggs["dpd_total"]["value"] or 0),
    }


def redis_figures(client: redis.Redis, namespace: str) -> dict[str, Any]:
    """Queues, their entries (sorted-set members and entry hashes) and the sum of priorities."""
    queues = list(client.scan_iter(match=f"{namespace}queue:{{*}}", count=10_000, _type="zset"))
    pipe = client.pipeline(transaction=False)
    for key in queues:
        pipe.zrange(key, 0, -1, withscores=True)
        pipe.hlen(key + b":entries")
    replies = pipe.execute()
    members = replies[0::2]
    return {
        "queues": len(queues),
        "entries": sum(len(queue) for queue in members),
        "entry_documents": sum(replies[1::2]),
        "priority_total": round(sum(score for queue in members for _, score in queue), 3),
    }


@dataclass
class SinkWatch:
    """A sink's figures over time: when they took the value they still have."""

    name: str
    figures: dict[str, Any] | None = None
    since_s: float | None = None
    polls: int = 0

    def observe(self, figures: dict[str, Any], at_s: float) -> None:
        self.polls += 1
        if figures != self.figures:
            self.figures, self.since_s = figures, at_s

    def settle(self, final: dict[str, Any], at_s: float) -> float:
        """The time of completion given the figures after the pipeline went idle."""
        self.observe(final, at_s)
        return self.since_s if self.since_s is not None else at_s


@dataclass
class GroupWatch:
    """A processor's lag over time: when it last read anything (``moved_s``), and since when it has had at
    most transaction markers left and read nothing more. A processor whose input is still empty upstream
    has nothing left too: that time moves on when it reads again."""

    allowance: int = 0
    left: int = 0
    consumed: int = 0
    moved_s: float | None = None

    def observe(self, left: int, consumed: int, allowance: int, at_s: float) -> None:
        if consumed != self.consumed or self.moved_s is None:
            self.moved_s = at_s
        self.left, self.consumed, self.allowance = left, consumed, allowance

    @property
    def caught_up_since_s(self) -> float | None:
        # its lag drops only when it reads, so it has been within its markers since it last read
        return self.moved_s if self.left <= self.allowance else None


@dataclass
class Lags:
    """Per consumer group: (messages left, offsets committed, partitions read) in one admin round."""

    per_group: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @property
    def total_left(self) -> int:
        return sum(left for left, _, _ in self.per_group.values())


def expected_checks(
    settings: Settings,
    counts: dict[str, int],
    distinct_payments: int,
    last_business_date: str,
    final: dict,
    data_dir: Path,
) -> dict[str, list[dict[str, Any]]]:
    """Each sink's final figures against what the portfolio and PostgreSQL's final state call for, and a
    sample of loans against the domain rules (`benchmarks/e2e_rules.py`)."""
    pg, es, rd = final["postgresql"], final["elasticsearch"], final["redis"]
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        queue_entries = conn.execute(_EXPECTED_QUEUE_ENTRIES).fetchone()[0]
        call_agents = conn.execute(_CALL_AGENTS).fetchone()[0]
        over_capacity = conn.execute(_OVER_CAPACITY).fetchone()[0]
        outside_campaigns = conn.execute(_OUTSIDE_CAMPAIGNS).fetchone()[0]
        customers_with_loans = conn.execute("SELECT count(DISTINCT cif) FROM loans").fetchone()[0]
    content = e2e_rules.mismatches(settings, data_dir, last_business_date, counts["bank.loans"])
    (compared, wrong), (customers_compared, customers_wrong) = content["loans"], content["customers"]
    entries_compared, entries_wrong = content["queues"]
    judged, misjudged = content["strategy"]

    def check(what: str, actual, expected, **more) -> dict[str, Any]:
        return {"what": what, "actual": actual, "expected": expected, "ok": actual == expected, **more}

    return {
        "postgresql": [
            check("customers rows = customers in the portfolio", pg["customers"], counts["bank.customers"]),
            check("loans rows = loans in the portfolio", pg["loans"], counts["bank.loans"]),
            check("payments rows = distinct payment references", pg["payments"], distinct_payments),
            check("loan_delinquency rows = loans", pg["loan_delinquency"], counts["bank.loans"]),
            check(
                "customer_delinquency rows = customers with loans",
                pg["customer_delinquency"],
                customers_with_loans,
            ),
            check("latest business date reached", pg["business_date"], last_business_date),
            check(
                f"loan_delinquency rows unlike the domain rules, of {compared:,} sampled loans",
                len(wrong),
                0,
                examples=wrong[:5],
            ),
            check(
                "customer_delinquency DPDs unlike the domain rules,"
                f" of {customers_compared:,} sampled customers",
                len(customers_wrong),
                0,
                examples=customers_wrong[:5],
            ),
            check(
                f"strategy_assignments campaigns unlike the live strategy's, of {judged:,} sampled customers",
                len(misjudged),
                0,
                examples=misjudged[:5],
            ),
            check("agents holding more customers than their capacity", over_capacity, 0),
            check("current assignments outside the customer's campaigns", outside_campaigns, 0),
            check(
                "strategy_assignments rows = customers with delinquency",
                pg["strategy_assignments"],
                pg["customer_delinquency"],
            ),
        ],
        "elasticsearch": [
            check("documents = customers", es["documents"], counts["bank.customers"]),
            check(
                "documents with delinquency = customer_delinquency rows",
                es["with_delinquency"],
                pg["customer_delinquency"],
            ),
            check(
                "documents with a call agent = current call assignments", es["with_call_agent"], call_agents
            ),
        ],
        "redis": [
            check(
                "queue entries = (customer, assigned agent) pairs with arrears", rd["entries"], queue_entries
            ),
            check("every queued customer has its entry document", rd["entry_documents"], rd["entries"]),
            check(
                "queue entries unlike the domain rules (DPD, bucket, overdue, date),"
                f" of {entries_compared:,} sampled customers' agents",
                len(entries_wrong),
                0,
                examples=entries_wrong[:5],
            ),
        ],
    }

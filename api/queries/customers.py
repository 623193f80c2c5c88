"""Reading a customer's 360 view: one snapshot, one pipeline of indexed queries, one round trip for the data.

Every query is a lookup or range scan on an index keyed by the customer (``cif``) or by the customer's loans
(primary keys of the loans' children, ``payments (account_number, paid_at)``, ``payments (reverses)``,
``actions (cif, at DESC)``); tests/integration/test_api_customers.py checks the plans. Columns are named as
the view names them, so rows go to the response model as they come.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from api.queries.loans import derived_dpd
from api.security import Principal
from api.visibility import may_see_customer
from contracts.customer_view import CustomerView
from domain.buckets import bucket

PAYMENTS_SHOWN, ACTIONS_SHOWN, PROMISES_SHOWN, ASSIGNMENTS_SHOWN = 50, 100, 100, 100

QUERIES: dict[str, str] = {
    "business_date": "SELECT max(business_date) AS business_date FROM loan_delinquency",
    "customer": """
        SELECT c.cif, c.type, c.name, c.national_id, c.company_name, c.registration_number, c.tax_id,
               c.date_of_birth, c.segment, c.status, c.timezone, c.source_system, c.updated_at,
               c.phones, c.emails, c.addresses, c."references",
               (SELECT jsonb_object_agg(r.cif, r.name) FROM customers r
                WHERE r.cif IN (SELECT e ->> 'ref_cif' FROM jsonb_array_elements(c."references") e))
                   AS reference_names,
               d.overdue_total, d.outstanding_total
        FROM customers c LEFT JOIN customer_delinquency d ON d.cif = c.cif
        WHERE c.cif = %(cif)s""",
    "loans": """
        SELECT l.account_number, l.cif, l.product_type, rtrim(l.currency) AS currency, l.status, l.as_of,
               l.original_amount, coalesce(d.outstanding, l.outstanding) AS outstanding,
               coalesce(d.overdue_amount, 0) AS overdue_amount, l.disbursement_date, l.maturity_date,
               l.interest_rate, l.term_months, l.custom_fields, d.oldest_unpaid_due,
               d.business_date AS written_on,
               ARRAY(SELECT cl.collateral_number FROM collateral_loans cl
                     WHERE cl.account_number = l.account_number ORDER BY 1) AS collateral_numbers
        FROM loans l LEFT JOIN loan_delinquency d ON d.account_number = l.account_number
        WHERE l.cif = %(cif)s ORDER BY l.account_number""",
    "installments": """
        SELECT i.account_number, i.due_date, i.principal, i.interest, i.fees, i.penalty, i.paid
        FROM loans l JOIN installments i ON i.account_number = l.account_number
        WHERE l.cif = %(cif)s ORDER BY i.account_number, i.due_date""",
    # The customer's own collateral and any other that secures one of their loans (a guarantor's house).
    "collaterals": """
        SELECT c.collateral_number, c.cif, c.type, c.value, rtrim(c.currency) AS currency, c.valuation_date,
               c.details,
               ARRAY(SELECT x.account_number FROM collateral_loans x
                     WHERE x.collateral_number = c.collateral_number ORDER BY 1) AS account_numbers
        FROM collaterals c
        WHERE c.collateral_number IN (
            SELECT collateral_number FROM collaterals WHERE cif = %(cif)s
            UNION
            SELECT cl.collateral_number FROM loans l
            JOIN collateral_loans cl ON cl.account_number = l.account_number WHERE l.cif = %(cif)s)
        ORDER BY c.collateral_number""",
    "payments": f"""
        SELECT p.reference_number, p.account_number, p.amount, rtrim(p.currency) AS currency, p.paid_at,
               p.method, p.status, p.reverses,
               (SELECT r.reference_number FROM payments r WHERE r.reverses = p.reference_number
                ORDER BY r.paid_at, r.reference_number LIMIT 1) AS reversed_by
        FROM payments p
        WHERE p.account_number IN (SELECT account_number FROM loans WHERE cif = %(cif)s)
        ORDER BY p.paid_at DESC, p.reference_number DESC LIMIT {PAYMENTS_SHOWN}""",
    "actions": f"""
        SELECT action_id, account_number, agent_id, type, subtype, result, at, notes,
               CASE WHEN promise_date IS NOT NULL
                    THEN jsonb_build_object('date', promise_date, 'amount', promise_amount::text) END
                   AS promise,
               follow_up_date, contact, visit
        FROM actions WHERE cif = %(cif)s ORDER BY at DESC, action_id DESC LIMIT {ACTIONS_SHOWN}""",
    "promises": f"""
        SELECT action_id, account_number, due_date AS date, amount, status, paid AS paid_amount, made_on,
               agent_id, evaluated_on
        FROM promises WHERE cif = %(cif)s ORDER BY made_on DESC, action_id DESC LIMIT {PROMISES_SHOWN}""",
    "strategy": """
        SELECT strategy_id, strategy_version, business_date, delinquent, campaigns
        FROM strategy_assignments WHERE cif = %(cif)s""",
    "assignments": f"""
        SELECT agent_type, agent_id, team, campaign_id, valid_from, valid_to, reason, strategy_version
        FROM agent_assignments WHERE cif = %(cif)s
        ORDER BY valid_from DESC, agent_type, seq DESC LIMIT {ASSIGNMENTS_SHOWN}""",
}


def customer_view(conn: psycopg.Connection, user: Principal, cif: str) -> CustomerView | None:
    """The 360 view of ``cif`` as ``user`` may see it, or None (unknown, or not theirs to see).

    One REPEATABLE READ snapshot, so that a payment and the loan row it changed are seen together; the
    visibility check and the reads are pipelined (two round trips for everything).
    """
    with conn.transaction(), conn.pipeline():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        if not may_see_customer(conn, user, cif):
            return None
        cursors = {name: conn.cursor(row_factory=dict_row) for name in QUERIES}
        for name, cursor in cursors.items():
            cursor.execute(QUERIES[name], {"cif": cif})
        rows = {name: cursor.fetchall() for name, cursor in cursors.items()}
    if not rows["customer"]:
        return None
    return _assemble(rows)


def _assemble(rows: dict[str, list[dict[str, Any]]]) -> CustomerView:
    today = rows["business_date"][0]["business_date"]
    customer = rows["customer"][0]
    names = customer.pop("reference_names") or {}
    references = customer.pop("references")
    contacts = {kind: customer.pop(kind) for kind in ("phones", "emails", "addresses")}
    overdue_total, outstanding_total = customer.pop("overdue_total"), customer.pop("outstanding_total")
    loans = _loans(today, rows["loans"], rows["installments"])
    strategy = rows["strategy"][0] if rows["strategy"] else None
    history = rows["assignments"]
    return CustomerView.model_validate(
        {
            "business_date": today,
            "customer": customer,
            "contacts": contacts,
            "references": [{**ref, "customer_name": names.get(ref.get("ref_cif"))} for ref in references],
            "loans": loans,
            "collaterals": rows["collaterals"],
            "payments": rows["payments"],
            "actions": rows["actions"],
            "promises": rows["promises"],
            "strategy": strategy,
            "assignment": {"current": [p for p in history if p["valid_to"] is None], "history": history},
            "delinquency": _delinquency(loans, overdue_total, outstanding_total),
        }
    )


def _loans(today: date | None, loans: list[dict], installments: list[dict]) -> list[dict]:
    """Each loan with its schedule and its DPD derived for ``today``, as GET /api/loans/{account} does."""
    schedules: dict[str, list[dict]] = defaultdict(list)
    for row in installments:
        schedules[row.pop("account_number")].append(row)
    for loan in loans:
        written_on = loan.pop("written_on")
        loan["dpd"] = derived_dpd(today or written_on, loan["oldest_unpaid_due"], loan["status"])
        loan["bucket"] = bucket(loan["dpd"])
        loan["installments"] = schedules.get(loan["account_number"], [])
    return loans


def _delinquency(loans: list[dict], overdue_total: dict | None, outstanding_total: dict | None) -> dict:
    """The worst loan's DPD (derived like each loan's, so the summary never contradicts the loans), and the
    customer's totals per currency from the roll-up (``customer_delinquency``), or summed from the loans
    while the roll-up has no row yet."""
    if outstanding_total is None:
        overdue_total, outstanding_total = defaultdict(Decimal), defaultdict(Decimal)
        for loan in loans:
            overdue_total[loan["currency"]] += loan["overdue_amount"]
            outstanding_total[loan["currency"]] += loan["outstanding"]
    currencies = sorted(set(overdue_total) | set(outstanding_total))
    totals = {c: (Decimal(overdue_total.get(c, 0)), Decimal(outstanding_total.get(c, 0))) for c in currencies}
    main = max(totals, key=lambda c: (totals[c][1], c), default=None)  # the largest outstanding
    late = [loan for loan in loans if loan["dpd"] > 0]
    max_dpd = max((loan["dpd"] for loan in late), default=0)
    return {
        "max_dpd": max_dpd,
        "bucket": bucket(max_dpd),
        "overdue_total": totals[main][0] if main else Decimal(0),
        "outstanding_total": totals[main][1] if main else Decimal(0),
        "currency": main,
        "by_currency": [{"currency": c, "overdue": o, "outstanding": s} for c, (o, s) in totals.items()],
        "loans": len(loans),
        "loans_delinquent": len(late),
        "oldest_unpaid_due": min((loan["oldest_unpaid_due"] for loan in late), default=None),
    }

"""Reading a customer's 360 view: one SQL statement that checks the caller may see the customer, records the
read in the audit log and returns the whole view as one JSON document.

One statement is one snapshot (a payment and the loan row it changed are seen together) and one round trip;
PostgreSQL builds the document in C, so the API neither converts a dozen result sets value by value nor
hands the work to a thread (each used to cost about as much as a query). Python then derives what the domain
rules own (each loan's DPD and bucket for the latest business date, the delinquency summary) and validates
the result against the response model, as before.

Every part is a lookup or range scan on an index keyed by the customer (``cif``) or by the customer's loans
(primary keys of the loans' children, ``payments (account_number, paid_at)``, ``payments (reverses)``,
``actions (cif, at DESC)``); tests/integration/test_api_customers.py checks the plan. Money and rates leave
PostgreSQL as strings (``::text``), never as JSON numbers, so no amount passes through a float.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
import psycopg
import psycopg_pool

from api.queries.cases import CASE_PARTS, case_view
from api.queries.crm_contacts import CRM_CONTACTS_PARTS
from api.queries.loans import derived_dpd
from api.queries.raw import positional
from api.security import Principal
from api.visibility import CUSTOMER_VISIBLE, scope_of, visibility_parameters
from contracts.actions import RIGHT_PARTY_RESULTS, WRONG_NUMBER
from contracts.customer_view import CustomerView
from domain.buckets import bucket
from domain.contacts import contact_key, still_wrong

PAYMENTS_SHOWN, ACTIONS_SHOWN, PROMISES_SHOWN, ASSIGNMENTS_SHOWN = 50, 100, 100, 100
CONTACT_RESULTS = sorted({WRONG_NUMBER, *RIGHT_PARTY_RESULTS})  # what reported_wrong is judged from

VIEW = f"""
WITH visible AS (
    SELECT c.* FROM customers c WHERE c.cif = %(cif)s AND {CUSTOMER_VISIBLE}
),
audited AS (
    INSERT INTO audit_log (who, action, target, details)
    SELECT %(who)s, 'customer.view', 'customer:' || v.cif,
           jsonb_build_object('role', %(role)s::text, 'agent_id', %(user_agent_id)s::text,
                              'loans', (SELECT count(*) FROM loans l WHERE l.cif = v.cif))
    FROM visible v
)
SELECT json_build_object(
    'business_date', (SELECT max(business_date) FROM loan_delinquency),
    'customer', json_build_object(
        'cif', v.cif, 'type', v.type, 'name', v.name, 'national_id', v.national_id,
        'company_name', v.company_name, 'registration_number', v.registration_number, 'tax_id', v.tax_id,
        'date_of_birth', v.date_of_birth, 'segment', v.segment, 'status', v.status, 'timezone', v.timezone,
        'source_system', v.source_system, 'updated_at', v.updated_at),
    'contacts', json_build_object('phones', v.phones, 'emails', v.emails, 'addresses', v.addresses),
    'references', v."references",
    'reference_names', (
        SELECT jsonb_object_agg(r.cif, r.name) FROM customers r
        WHERE r.cif IN (SELECT e ->> 'ref_cif' FROM jsonb_array_elements(v."references") e)),
    'overdue_total', cd.overdue_total,
    'outstanding_total', cd.outstanding_total,
    'loans', (
        SELECT coalesce(json_agg(x ORDER BY x.account_number), '[]') FROM (
            SELECT l.account_number, l.cif, l.product_type, rtrim(l.currency) AS currency, l.status, l.as_of,
                   l.original_amount::text AS original_amount,
                   coalesce(d.outstanding, l.outstanding)::text AS outstanding,
                   coalesce(d.overdue_amount, 0)::text AS overdue_amount,
                   l.disbursement_date, l.maturity_date, l.interest_rate::text AS interest_rate,
                   l.term_months, l.custom_fields, d.oldest_unpaid_due, d.business_date AS written_on,
                   ARRAY(SELECT cl.collateral_number FROM collateral_loans cl
                         WHERE cl.account_number = l.account_number ORDER BY 1) AS collateral_numbers,
                   (SELECT coalesce(json_agg(json_build_object(
                               'due_date', i.due_date, 'principal', i.principal::text,
                               'interest', i.interest::text, 'fees', i.fees::text,
                               'penalty', i.penalty::text, 'paid', i.paid::text) ORDER BY i.due_date), '[]')
                    FROM installments i WHERE i.account_number = l.account_number) AS installments
            FROM loans l LEFT JOIN loan_delinquency d ON d.account_number = l.account_number
            WHERE l.cif = v.cif) x),
    -- the customer's own collateral and any other that secures one of their loans (a guarantor's house)
    'collaterals', (
        SELECT coalesce(json_agg(x ORDER BY x.collateral_number), '[]') FROM (
            SELECT c.collateral_number, c.cif, c.type, c.value::text AS value, rtrim(c.currency) AS currency,
                   c.valuation_date, c.details,
                   ARRAY(SELECT x.account_number FROM collateral_loans x
                         WHERE x.collateral_number = c.collateral_number ORDER BY 1) AS account_numbers
            FROM collaterals c
            WHERE c.collateral_number IN (
                SELECT collateral_number FROM collaterals WHERE cif = v.cif
                UNION
                SELECT cl.collateral_number FROM loans l
                JOIN collateral_loans cl ON cl.account_number = l.account_number WHERE l.cif = v.cif)) x),
    'payments', (
        SELECT coalesce(json_agg(x ORDER BY x.paid_at DESC, x.reference_number DESC), '[]') FROM (
            SELECT p.reference_number, p.account_number, p.amount::text AS amount,
                   rtrim(p.currency) AS currency, p.paid_at, p.method, p.status, p.reverses,
                   (SELECT r.reference_number FROM payments r WHERE r.reverses = p.reference_number
                    ORDER BY r.paid_at, r.reference_number LIMIT 1) AS reversed_by
            FROM payments p
            WHERE p.account_number IN (SELECT account_number FROM loans WHERE cif = v.cif)
            ORDER BY p.paid_at DESC, p.reference_number DESC LIMIT {PAYMENTS_SHOWN}) x),
    'actions', (
        SELECT coalesce(json_agg(x ORDER BY x.at DESC, x.action_id DESC), '[]') FROM (
            SELECT action_id, account_number, agent_id, type, subtype, result, at, notes,
                   CASE WHEN promise_date IS NOT NULL
                        THEN jsonb_build_object('date', promise_date, 'amount', promise_amount::text) END
                       AS promise,
                   follow_up_date, contact, visit
            FROM actions WHERE cif = v.cif ORDER BY at DESC, action_id DESC LIMIT {ACTIONS_SHOWN}) x),
    -- the latest report and the latest right-party contact of each number (reported_wrong), however old
    'contact_results', (
        SELECT coalesce(json_agg(x ORDER BY x.at DESC, x.action_id DESC), '[]') FROM (
            SELECT DISTINCT ON (contact ->> 'number', result = '{WRONG_NUMBER}')
                   contact ->> 'number' AS contact, contact ->> 'channel' AS channel, at, agent_id, action_id,
                   result = '{WRONG_NUMBER}' AS wrong
            FROM actions
            WHERE cif = v.cif AND result = ANY(%(contact_results)s) AND contact ->> 'number' IS NOT NULL
            ORDER BY contact ->> 'number', result = '{WRONG_NUMBER}', at DESC, action_id DESC) x),
    'promises', (
        SELECT coalesce(json_agg(x ORDER BY x.made_on DESC, x.action_id DESC), '[]') FROM (
            SELECT action_id, account_number, due_date AS date, amount::text AS amount, status,
                   paid::text AS paid_amount, made_on, agent_id, evaluated_on, settled_on
            FROM promises WHERE cif = v.cif
            ORDER BY made_on DESC, action_id DESC LIMIT {PROMISES_SHOWN}) x),
    'strategy', (
        SELECT json_build_object('strategy_id', s.strategy_id, 'strategy_version', s.strategy_version,
                                 'business_date', s.business_date, 'delinquent', s.delinquent,
                                 'campaigns', s.campaigns)
        FROM strategy_assignments s WHERE s.cif = v.cif),
    'assignments', (
        SELECT coalesce(json_agg(json_build_object(
                   'agent_type', x.agent_type, 'agent_id', x.agent_id, 'team', x.team,
                   'campaign_id', x.campaign_id, 'valid_from', x.valid_from, 'valid_to', x.valid_to,
                   'reason', x.reason, 'strategy_version', x.strategy_version)
                   ORDER BY x.valid_from DESC, x.agent_type, x.seq DESC), '[]') FROM (
            SELECT * FROM agent_assignments WHERE cif = v.cif
            ORDER BY valid_from DESC, agent_type, seq DESC LIMIT {ASSIGNMENTS_SHOWN}) x),
    'case', json_build_object({CASE_PARTS}),
    'crm_contacts', json_build_object({CRM_CONTACTS_PARTS})
)::text
FROM visible v LEFT JOIN customer_delinquency cd ON cd.cif = v.cif LEFT JOIN cases k ON k.cif = v.cif
LEFT JOIN crm_contacts cc ON cc.cif = v.cif
"""


VIEW_POSITIONAL, VIEW_NAMES = positional(VIEW)  # psycopg would parse it on every execution


def view_arguments(user: Principal, cif: str) -> list[Any]:
    """:func:`view_parameters` in the order of ``VIEW_POSITIONAL``'s placeholders."""
    parameters = view_parameters(user, cif)
    return [parameters[name] for name in VIEW_NAMES]


def view_parameters(user: Principal, cif: str) -> dict[str, Any]:
    return {
        "cif": cif,
        **visibility_parameters(scope_of(user)),
        "who": user.username,
        "role": user.role.value,
        "user_agent_id": user.agent_id,
        "contact_results": CONTACT_RESULTS,
    }


async def customer_view(conn: psycopg.AsyncConnection, user: Principal, cif: str) -> CustomerView | None:
    """The 360 view of ``cif`` as ``user`` may see it, or None (unknown, or not theirs to see); a view read
    is recorded in the audit log (``customer.view``) by the same statement, so neither happens alone."""
    cursor = psycopg.AsyncRawCursor(conn)  # autocommit: the statement is its own transaction
    await cursor.execute(VIEW_POSITIONAL, view_arguments(user, cif))
    row = await cursor.fetchone()
    return None if row is None else assemble(orjson.loads(row[0]))


async def customer_view_json(
    pool: psycopg_pool.AsyncConnectionPool, user: Principal, cif: str
) -> bytes | None:
    """:func:`customer_view` on one of ``pool``'s connections, as the API's JSON answer (the route's and the
    fast path's), or None."""
    async with pool.connection() as conn:
        view = await customer_view(conn, user, cif)
    return None if view is None else view.model_dump_json().encode()


def assemble(document: dict[str, Any]) -> CustomerView:
    today = _date(document["business_date"])
    loans = _loans(today, document["loans"])
    names = document["reference_names"] or {}
    history = document["assignments"]
    return CustomerView.model_validate(
        {
            "business_date": today,
            "customer": document["customer"],
            "contacts": document["contacts"],
            "references": [
                {**ref, "customer_name": names.get(ref.get("ref_cif"))} for ref in document["references"]
            ],
            "loans": loans,
            "collaterals": document["collaterals"],
            "payments": document["payments"],
            "actions": document["actions"],
            "reported_wrong": standing_reports(document["contact_results"]),
            "promises": document["promises"],
            "strategy": document["strategy"],
            "assignment": {"current": [p for p in history if p["valid_to"] is None], "history": history},
            "delinquency": _delinquency(loans, document["overdue_total"], document["outstanding_total"]),
            "case": case_view(document["case"]),
            "crm_contacts": document["crm_contacts"],
        }
    )


def standing_reports(results: list[dict]) -> list[dict]:
    """The numbers reported wrong and not reached since, as the strategy processor flags them
    (`processors.strategy.logic.on_action`): per contact key, the latest report, judged against the latest
    right-party contact (`domain.contacts.still_wrong`). ``results``: newest first, ``wrong`` telling
    which."""
    reports: dict[str, dict] = {}
    reaches: dict[str, datetime] = {}
    for result in results:
        key = contact_key(result["contact"])
        if not key:
            continue
        if result.pop("wrong"):
            reports.setdefault(key, result)
        else:
            reaches.setdefault(key, datetime.fromisoformat(result["at"]))
    return [
        report
        for key, report in reports.items()
        if still_wrong(datetime.fromisoformat(report["at"]), reaches.get(key))
    ]


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _loans(today: date | None, loans: list[dict]) -> list[dict]:
    """Each loan with its DPD derived for ``today``, as GET /api/loans/{account} does."""
    for loan in loans:
        written_on = _date(loan.pop("written_on"))
        loan["oldest_unpaid_due"] = _date(loan["oldest_unpaid_due"])
        loan["dpd"] = derived_dpd(today or written_on, loan["oldest_unpaid_due"], loan["status"])
        loan["bucket"] = bucket(loan["dpd"])
    return loans


def _delinquency(loans: list[dict], overdue_total: dict | None, outstanding_total: dict | None) -> dict:
    """The worst loan's DPD (derived like each loan's, so the summary never contradicts the loans), and the
    customer's totals per currency from the roll-up (``customer_delinquency``), or summed from the loans
    while the roll-up has no row yet."""
    if outstanding_total is None:
        overdue_total, outstanding_total = defaultdict(Decimal), defaultdict(Decimal)
        for loan in loans:
            overdue_total[loan["currency"]] += Decimal(loan["overdue_amount"])
            outstanding_total[loan["currency"]] += Decimal(loan["outstanding"])
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

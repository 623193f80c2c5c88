"""The demo's strategy: campaigns over the generated portfolio, each worked by one generated team."""

from __future__ import annotations

from crm.generator.agents import TEAM_EARLY, TEAM_FIELD, TEAM_LATE


def demo_strategy_groups() -> list[dict]:
    """Groups of campaigns (the admin API's body for `PUT /api/admin/strategies/default`)."""
    mobile_first = [
        {"phone_types": ["MOBILE"], "verified_only": True},
        {"phone_types": ["MOBILE", "HOME", "WORK"]},
        {"source": "REFERENCE", "phone_types": ["MOBILE"]},
    ]
    # those who asked to be contacted no more, while they owe something (campaigns are for the delinquent)
    ceased = [
        {"field": "customer.cease_requested", "operator": "=", "value": True},
        {"field": "delinquency.max_dpd", "operator": ">", "value": 0},
    ]
    # those whose dispute about a debt pauses contact, until it is resolved or lapses
    disputed = [
        {"field": "customer.dispute_open", "operator": "=", "value": True},
        {"field": "delinquency.max_dpd", "operator": ">", "value": 0},
    ]
    return [
        {
            "id": "CALLS",
            "name": "Call centre",
            "campaigns": [
                {
                    # first of all: a customer who asked to be contacted no more leaves the call centre's
                    # queues for good (no team: no call agent; letters the rules still allow are sent
                    # outside the queues)
                    "id": "CEASED",
                    "name": "Asked to cease contact",
                    "priority": 0,
                    "conditions": ceased,
                },
                {
                    # a disputed debt waits for its resolution (or the dispute's lapse), then the customer
                    # comes back to the call campaigns (no team: no call agent meanwhile)
                    "id": "DISPUTED",
                    "name": "Disputes the debt",
                    "priority": 1,
                    "conditions": disputed,
                },
                {
                    # before every call campaign: a case agents put in legal action is the lawyers' now,
                    # so it leaves the call centre's queues (no team: no call agent)
                    "id": "LEGAL",
                    "name": "Legal action (case state)",
                    "priority": 5,
                    "conditions": [{"field": "case.state", "operator": "=", "value": "LEGAL"}],
                },
                {
                    "id": "LATE-CALLS",
                    "name": "Late: 60+ days",
                    "priority": 10,
                    "conditions": [{"field": "delinquency.max_dpd", "operator": ">=", "value": 60}],
                    "contact_rules": mobile_first,
                    "team": TEAM_LATE,
                    "agent_type": "CALL",
                },
                {
                    "id": "BROKEN-PROMISES",
                    "name": "Broke a promise",
                    "priority": 20,
                    "conditions": [
                        {"field": "delinquency.max_dpd", "operator": ">", "value": 0},
                        {"field": "delinquency.broken_promises", "operator": ">=", "value": 1},
                    ],
                    "contact_rules": mobile_first,
                    "team": TEAM_LATE,
                    "agent_type": "CALL",
                },
                {
                    "id": "EARLY-CALLS",
                    "name": "Early: 1-59 days",
                    "priority": 30,
                    "conditions": [{"field": "delinquency.max_dpd", "operator": ">", "value": 0}],
                    "contact_rules": mobile_first,
                    "team": TEAM_EARLY,
                    "agent_type": "CALL",
                },
            ],
        },
        {
            "id": "FIELD",
            "name": "Field visits",
            "campaigns": [
                {
                    # a cease request covers visits too
                    "id": "CEASED-VISITS",
                    "name": "Asked to cease contact",
                    "priority": 0,
                    "conditions": ceased,
                },
                {
                    "id": "DISPUTED-VISITS",
                    "name": "Disputes the debt",
                    "priority": 1,
                    "conditions": disputed,
                },
                {
                    "id": "SECURED-VISITS",
                    "name": "Secured loans 90+ days",
                    "priority": 10,
                    "conditions": [
                        {"field": "delinquency.max_dpd", "operator": ">=", "value": 90},
                        {"field": "loan.product_type", "operator": "IN", "value": ["MORTGAGE", "AUTO_LOAN"]},
                    ],
                    "team": TEAM_FIELD,
                    "agent_type": "FIELD",
                },
            ],
        },
    ]

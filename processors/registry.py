"""The processors `crm run` knows, by name → the module whose ``run(settings)`` starts it."""

PROCESSORS: dict[str, str] = {
    "entities": "processors.entities.app",
    "delinquency": "processors.delinquency.app",
    "rollup": "processors.rollup.app",
    "promises": "processors.promises.app",
    "strategy": "processors.strategy.app",
    "allocation": "processors.allocation.app",
    "queues": "processors.queues.app",
    "search": "processors.search.app",
}

# The logical topics each processor reads (the framework's own repartition and changelog topics aside):
# what tests, benchmarks and operators wait on to know a processor has caught up.
INPUTS: dict[str, tuple[str, ...]] = {
    "entities": ("bank.customers", "bank.loans", "bank.collaterals", "payments"),
    "delinquency": ("bank.loans", "payments", "ops.business-date", "delinquency.ticks"),
    "rollup": ("delinquency.loans",),
    "promises": ("agent.actions", "delinquency.payments", "delinquency.ticks"),
    "strategy": (
        "delinquency.customers",
        "bank.customers",
        "promises",
        "agent.actions",
        "delinquency.ticks",
        "strategy.reevaluate",
        "crm.contacts",
        "crm.cases",
    ),
    "allocation": ("strategy.assignments", "config.agents", "allocation.requests", "allocation.overrides"),
    "queues": (
        "agent.actions",
        "bank.customers",
        "assignments",
        "strategy.assignments",
        "delinquency.customers",
        "promises",
        "delinquency.ticks",
        "queues.ticks",
    ),
    "search": ("bank.customers", "crm.contacts", "delinquency.customers", "assignments"),
}

# The processor that writes each inbound and configuration topic's `.dlq` twin. A message every reader fails
# on alike (a key that is not UTF-8 text) is dead-lettered there by this one and skipped by the others, so
# one bad message is one dead letter (`processors.common.poison`).
DEAD_LETTERS_OF: dict[str, str] = {
    "bank.customers": "entities",
    "bank.collaterals": "entities",
    "bank.loans": "delinquency",
    "payments": "delinquency",
    "ops.business-date": "delinquency",
    "agent.actions": "promises",
    "config.agents": "allocation",
    "allocation.overrides": "allocation",
    "crm.cases": "strategy",
    "crm.contacts": "strategy",
}

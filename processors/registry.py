"""The processors `crm run` knows, by name → the module whose ``run(settings)`` starts it."""

PROCESSORS: dict[str, str] = {
    "entities": "processors.entities.app",
    "delinquency": "processors.delinquency.app",
    "rollup": "processors.rollup.app",
    "promises": "processors.promises.app",
    "strategy": "processors.strategy.app",
    "allocation": "processors.allocation.app",
    "queues": "processors.queues.app",
}

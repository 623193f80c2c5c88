"""The processors `crm run` knows, by name → the module whose ``run(settings)`` starts it."""

PROCESSORS: dict[str, str] = {
    "delinquency": "processors.delinquency.app",
}

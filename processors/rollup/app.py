"""Wiring of the customer roll-up: `delinquency.loans` re-keyed by cif (the framework's repartitioning),
folded per customer, to `delinquency.customers` and the `customer_delinquency` table."""

from __future__ import annotations

from decimal import Decimal

from psycopg.types.json import Jsonb

from crm.settings import Settings
from processors.common.app import make_application, registry_topic
from processors.rollup.logic import on_loan_record
from sinks.postgres import PostgresUpsertSink, UpsertSpec

NAME = "rollup"
CUSTOMER_DELINQUENCY = UpsertSpec(
    "customer_delinquency",
    (
        "cif",
        "business_date",
        "max_dpd",
        "bucket",
        "overdue_total",
        "outstanding_total",
        "oldest_unpaid_due",
        "loans",
        "loans_delinquent",
        "revision",
    ),
    key=("cif",),
    version="revision",
)


def _rows(v: dict) -> list[tuple]:
    return [
        (
            v["cif"],
            v["business_date"],
            v["max_dpd"],
            v["bucket"],
            Jsonb({c: str(Decimal(a)) for c, a in v["overdue_total"].items()}),
            Jsonb({c: str(Decimal(a)) for c, a in v["outstanding_total"].items()}),
            v["oldest_unpaid_due"],
            v["loans"],
            v["loans_delinquent"],
            v["revision"],
        )
    ]


def build(settings: Settings):
    app = make_application(settings, NAME)
    loans = registry_topic(app, settings, "delinquency.loans")
    customers = registry_topic(app, settings, "delinquency.customers")
    stream = app.dataframe(loans).group_by(lambda record: record["cif"], name="cif")
    results = stream.apply(lambda record, state: on_loan_record(state, record), stateful=True)
    results = results.filter(lambda record: record is not None)
    results.to_topic(customers, key=lambda record: record["cif"])
    results.sink(PostgresUpsertSink(settings.database_url, (CUSTOMER_DELINQUENCY, _rows)))
    return app


def run(settings: Settings) -> None:
    build(settings).run()

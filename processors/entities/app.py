"""Wiring of the entities processor: inbound entity topics → PostgreSQL tables, idempotently.

Stateless: each message is validated and upserted by natural key with its version (a late, older snapshot
never overwrites a newer row). Invalid customers and collateral go to their `.dlq`; invalid loans and
payments are dead-lettered by the delinquency processor, which reads the same topics, so they are only
skipped here (one dead letter per bad message, not two).
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from quixstreams import message_context

from contracts import Collateral, CustomerRecord, LoanSnapshot, Payment
from contracts.common import under_key
from contracts.errors import describe
from crm.settings import Settings
from processors.common.app import make_application, registry_topic
from processors.common.branching import Shared
from processors.common.dead_letters import dead_letter_for_current
from processors.entities import rows
from sinks.postgres import PostgresUpsertSink

log = logging.getLogger(__name__)
NAME = "entities"
CONTRACTS = {
    "bank.customers": CustomerRecord,
    "bank.loans": LoanSnapshot,
    "bank.collaterals": Collateral,
    "payments": Payment,
}
DEAD_LETTERED_HERE = {"bank.customers", "bank.collaterals"}


def build(settings: Settings):
    app = make_application(settings, NAME)
    database = settings.database_url
    sinks = {
        "bank.customers": PostgresUpsertSink(database, (rows.CUSTOMERS, rows.customer_rows)),
        "bank.loans": PostgresUpsertSink(
            database, (rows.LOANS, rows.loan_rows), (rows.INSTALLMENTS, rows.installment_rows)
        ),
        "bank.collaterals": PostgresUpsertSink(
            database,
            (rows.COLLATERALS, rows.collateral_rows),
            (rows.COLLATERAL_LOANS, rows.collateral_loan_rows),
        ),
        "payments": PostgresUpsertSink(database, (rows.PAYMENTS, rows.payment_rows)),
    }
    for name, sink in sinks.items():
        contract = CONTRACTS[name]
        stream = app.dataframe(registry_topic(app, settings, name, value="bytes"))
        # (outcome, model or dead letter), Shared: read by both branches below, copied by neither
        parsed = stream.apply(
            lambda value, key, ts, _headers, c=contract, n=name: _parse(c, n, key, value, ts), metadata=True
        )
        parsed.filter(lambda item: item.value[0] == "ok").apply(lambda item: item.value[1]).sink(sink)
        if name in DEAD_LETTERED_HERE:
            dlq = registry_topic(app, settings, f"{name}.dlq")
            parsed.filter(lambda item: item.value[0] == "dead").apply(lambda item: item.value[1]).to_topic(
                dlq, key=lambda letter: letter["key"] or ""
            )
    return app


def _parse(contract, topic: str, key, value: bytes, sent_at_ms: int) -> Shared:
    try:
        return Shared(("ok", contract.model_validate_json(value, context=under_key(key, sent_at_ms))))
    except ValidationError as error:
        log.debug("invalid value skipped", extra={"topic": topic, "offset": message_context().offset})
        letter = dead_letter_for_current(topic, key, value, describe(error), "ValidationError", NAME)
        return Shared(("dead", letter))


def run(settings: Settings) -> None:
    build(settings).run()

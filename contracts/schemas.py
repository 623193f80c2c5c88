"""Write the JSON Schema of every contract into ``docs/contracts/``: ``python -m contracts.schemas``."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from contracts import (
    CONFIG,
    INBOUND,
    OUTBOUND,
    admin,
    api,
    cases,
    crm_contacts,
    customer_view,
    dashboard,
    dlq,
    reassignments,
    search,
    writes,
)
from contracts.dlq import DeadLetter

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "contracts"
API_BODIES: tuple[type[BaseModel], ...] = (
    api.Token,
    api.ActionCreate,
    api.PaymentCreate,
    writes.ActionAccepted,
    writes.PaymentAccepted,
    writes.ComplianceBlocked,
    writes.DictionariesPublic,
    writes.DictionariesAdmin,
    writes.DictionariesUpdate,
    api.LoanPublic,
    customer_view.CustomerView,
    cases.CaseView,
    cases.CaseUpdate,
    crm_contacts.CrmContactsView,
    crm_contacts.CrmContactsUpdate,
    api.QueueEntry,
    dashboard.PortfolioSummary,
    api.HealthPublic,
    search.SearchResults,
    admin.UserPublic,
    admin.StrategyUpdate,
    admin.StrategyPublic,
    admin.ReevaluationAccepted,
    admin.AgentUpdate,
    admin.AgentPublic,
    admin.TeamSummary,
    admin.StrategyCatalogue,
    admin.StrategyPreview,
    dlq.DeadLetterTopicPublic,
    dlq.DeadLetterPage,
    dlq.RedriveCreate,
    dlq.RedrivePublic,
    reassignments.AssignmentOptions,
    reassignments.ReassignmentCreate,
    reassignments.ReassignmentAccepted,
    reassignments.RebalanceCreate,
    reassignments.RebalanceAccepted,
    reassignments.ReassignmentStatus,
)


def _documents() -> dict[str, tuple[str, str, dict]]:
    """File name → (what, key, schema)."""
    from topics import get_topic

    documents = {}
    for topic, model in {**INBOUND, **CONFIG}.items():
        schema = model.model_json_schema(mode="validation")
        documents[f"{topic}.schema.json"] = (f"topic `{topic}`", f"`{get_topic(topic).key_field}`", schema)
    for topic, model in OUTBOUND.items():
        schema = model.model_json_schema(mode="serialization")
        documents[f"{topic}.schema.json"] = (f"topic `{topic}`", f"`{get_topic(topic).key_field}`", schema)
    documents["dlq.schema.json"] = ("every `<topic>.dlq`", "the original key", DeadLetter.model_json_schema())
    for model in API_BODIES:
        mode = "validation" if model.__name__.endswith(("Create", "Update")) else "serialization"
        schema = model.model_json_schema(mode=mode)
        documents[f"api.{model.__name__}.schema.json"] = (f"API body `{model.__name__}`", "", schema)
    return documents


def _readme(documents: dict[str, tuple[str, str, dict]]) -> str:
    lines = [
        "# Contracts",
        "",
        "JSON Schemas generated from the pydantic models in `contracts/` by `python -m contracts.schemas`;",
        "do not edit by hand (a test fails when they are stale).",
        "",
        '- Money is a JSON number or a decimal string (`"1250000.50"`), kept as an exact decimal, never a',
        "  float: at most 16 digits before the point and 4 after (a string has no exponent), non-negative",
        "  (amounts of payments and promises: greater than 0). Decimal strings and integers take the fast",
        "  path; a message with a fractional JSON number is parsed a second time to read it exactly (2.5 to",
        "  4 times the cost: send strings for bulk loads). Money in API responses is a decimal string.",
        "- Timestamps carry an offset (naive ones are rejected) and fall in the years 1900 to 2999; dates",
        '  are `YYYY-MM-DD`, any from 0001-01-01 to 9999-12-31 (`9999-12-31` for "no end" is fine), except',
        "  the business date (`ops.business-date`), which is from 1970-01-01 to 2199-12-31.",
        "- No text may hold the NUL character (`\\u0000`): PostgreSQL stores it nowhere.",
        "- Unknown fields are rejected; enumerations are closed; strings and lists are capped.",
        "- `bank.loans` `custom_fields`: at most 50, names `^[a-z][a-z0-9_]*$`; values are booleans,",
        '  integers, decimals (a JSON number, or a string that is a plain decimal number such as `"0.731"`),',
        "  other strings (at most 200 characters) or null.",
        "- `bank.collaterals` `details`: a flat object of at most 30 string values (vehicle make and plate,",
        "  property address and area...): descriptive only, no rule reads it.",
        "",
        "| schema | of | message key |",
        "| --- | --- | --- |",
    ]
    lines += [f"| [{name}]({name}) | {what} | {key} |" for name, (what, key, _) in documents.items()]
    return "\n".join(lines) + "\n"


def render() -> dict[str, str]:
    documents = _documents()
    files = {
        name: json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, (_, _, schema) in documents.items()
    }
    files["README.md"] = _readme(documents)
    return files


def export_schemas(out_dir: Path = DOCS_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render().items():
        path = out_dir / name
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export_schemas():
        print(path)

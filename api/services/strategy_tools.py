"""The strategy editor's helpers: the catalogue of what conditions may test, and a preview of how many
customers a draft would put in each campaign, computed exactly as the strategy processor would match."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
from pydantic import ValidationError

from api.errors import body_validation_error, fields_error
from api.queries import strategy_preview as queries
from api.queries.loans import latest_business_date
from api.services.strategies import unknown_condition_codes
from contracts.admin import (
    CampaignPreview,
    FieldInfo,
    GroupPreview,
    StrategyCatalogue,
    StrategyPreview,
    StrategyUpdate,
)
from contracts.common import EmailType, PhoneType
from domain.buckets import DEFAULT_BUCKETS
from domain.contacts import ContactSource
from domain.dictionaries import CASE_FIELDS, Dictionaries
from domain.strategy import CUSTOM_PREFIX, FIELDS, Operator, compile_strategy, matches, operators_for
from processors.strategy.facts import customer_facts

DEFAULT_SAMPLE = 50_000  # customers evaluated at most; a larger book is previewed from an even sample
TYPE_WORDS = {str: "text", int: "integer", Decimal: "decimal", date: "date", bool: "boolean", None: "dynamic"}


# Fields whose values are codes of an editable dictionary: the catalogue offers its codes of the moment.
DICTIONARY_OF = {
    "customer.segment": "segments",
    "customer.status": "customer_statuses",
    **{f"case.{field}": name for field, name in CASE_FIELDS.items()},
}


def catalogue(dictionaries: Dictionaries) -> StrategyCatalogue:
    def choices(name: str, closed: frozenset[str]) -> list[str]:
        coded = DICTIONARY_OF.get(name)
        return [entry.code for entry in getattr(dictionaries, coded)] if coded else sorted(closed)

    return StrategyCatalogue(
        fields=[
            FieldInfo(
                name=spec.name,
                type=TYPE_WORDS[spec.type],
                level=spec.level.value,
                choices=choices(spec.name, spec.choices),
                is_bucket=spec.is_bucket,
                operators=[operator.value for operator in operators_for(spec)],
            )
            for spec in FIELDS.values()
        ],
        custom_prefix=CUSTOM_PREFIX,
        operators=[operator.value for operator in Operator],
        buckets=list(DEFAULT_BUCKETS.labels),
        phone_types=[kind.value for kind in PhoneType],
        email_types=[kind.value for kind in EmailType],
        contact_sources=[source.value for source in ContactSource],
    )


def preview(
    conn: psycopg.Connection,
    strategy_id: str,
    draft: StrategyUpdate,
    dictionaries: Dictionaries,
    sample: int = DEFAULT_SAMPLE,
) -> StrategyPreview:
    """Counts per campaign for ``draft`` over the customers with a delinquency record (or an even sample)."""
    try:
        config = draft.to_config(strategy_id, 1, datetime.now(UTC))
    except ValidationError as error:
        raise body_validation_error(error) from None
    if problems := unknown_condition_codes(draft, dictionaries):
        raise fields_error(problems)
    compiled = compile_strategy(config.to_domain())
    today = latest_business_date(conn)
    population = queries.delinquent_population(conn)
    counts: Counter[tuple[str, str]] = Counter()
    evaluated = 0
    if today is not None:
        cifs = queries.sample_cifs(conn, sample)
        for cif, customer, delinquency, promises, case, ceased, disputed in queries.stored_forms(
            conn, cifs, today
        ):
            facts = customer_facts(
                cif,
                customer,
                delinquency,
                promises,
                [],
                case=case,
                cease_requested=ceased,
                dispute_open=disputed,
            )
            counts.update((group_id, campaign_id) for group_id, campaign_id, _ in matches(compiled, facts))
            evaluated += 1
    scale = population / evaluated if evaluated and evaluated < population else 1.0

    def scaled(count: int) -> int:
        return round(count * scale)

    groups = []
    for group in config.groups:
        campaigns = [
            CampaignPreview(
                campaign_id=campaign.id, name=campaign.name, customers=scaled(counts[group.id, campaign.id])
            )
            for campaign in group.campaigns
        ]
        matched = sum(counts[group.id, campaign.id] for campaign in group.campaigns)
        groups.append(
            GroupPreview(
                group_id=group.id, name=group.name, campaigns=campaigns, unmatched=scaled(evaluated - matched)
            )
        )
    return StrategyPreview(
        business_date=today,
        population=population,
        evaluated=evaluated,
        estimated=evaluated < population,
        groups=groups,
    )

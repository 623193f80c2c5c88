"""Recording an action: the checks in order, then one transaction that stores it and produces it.

Checks, each answering before anything is stored or produced: the contract (FastAPI, 422), the agent it
is recorded for (403), the dictionary codes (422), a repeat of an accepted ``action_id`` (202 with the
first reply, or 409 when the action differs), the dates (422), the customer (404 unless visible to the
caller), the loan (422), a promise's currency (422: an amount its currency is paid in, and a loan named when
the customer's loans are in several currencies), and for an outbound contact other than a letter the
contact rules (409 naming the rule; the call-frequency rules apply to calls only: `contact_rules_of`). The
accepted row, the audit line and the confirmed delivery to ``agent.actions`` then commit together, or not
at all.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import orjson
import psycopg
import psycopg_pool
import redis
import redis.asyncio as aioredis
from fastapi import HTTPException, status
from pydantic import ValidationError

from api.errors import Conflict, NotFound, ServiceUnavailable, body_validation_error, fields_error
from api.publishing import Outgoing, Publisher
from api.queries import actions as queries
from api.queries.loans import latest_business_date_async
from api.security import Principal
from api.services import in_the_future
from api.visibility import may_see_agent_async, scope_of
from contracts.actions import AgentAction
from contracts.admin import Role
from contracts.writes import ActionAccepted, ActionCreate, agent_action
from crm.settings import Settings
from domain.compliance import ComplianceRules, ContactEvent, Decision, Rule, may_contact
from domain.dictionaries import (
    Dictionaries,
    unknown_action_codes,
)
from domain.money import finer_than_paid
from processors.queues.contacts import (
    DEFAULT_CODES,
    KEEP_ATTEMPT_DAYS,
    compliance_inputs,
    contact_events,
    with_action,
)
from processors.queues.read import deployment_rules, read_contact_inputs_async, zone_named


class ComplianceRefused(Conflict):
    """A contact rule forbids the call; the route answers 409 with the rule and when calls may resume."""

    def __init__(self, decision: Decision, rules: ComplianceRules, zone_name: str) -> None:
        assert decision.blocked_by is not None
        self.rule = decision.blocked_by
        self.contactable_from = decision.contactable_from
        reason = _REASONS[self.rule].format(rules=rules, zone=zone_name)
        when = f"; contact allowed from {self.contactable_from.isoformat()}" if self.contactable_from else ""
        super().__init__(f"{self.rule}: {reason}{when}")


_REASONS = {
    Rule.CEASE_COMMUNICATION: "the customer asked us to stop contacting them",
    Rule.DISPUTE_OPEN: "the customer disputes the debt; no calls until the dispute is resolved",
    Rule.ATTEMPT_LIMIT_7_IN_7: "{rules.max_attempts} call attempts within {rules.attempt_window_days} days",
    Rule.CONVERSATION_COOLDOWN_7_DAYS: "the customer was spoken to within the last "
    "{rules.conversation_cooldown_days} days",
    Rule.OUTSIDE_CALLING_HOURS: "outside calling hours ({rules.calling_hours_text} in the customer's time "
    "zone, {zone})",
}


# ---- recording ----


def _forbidden(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail)


async def _agent_of(conn: psycopg.AsyncConnection, user: Principal, named: str | None) -> str:
    """The agent the action is recorded for: an agent's own (naming another is 403); a supervisor's named
    agent (one they may see), or the supervisor's own login name when they name nobody."""
    if user.role is Role.AGENT:
        if not user.agent_id:
            raise _forbidden("this login has no agent id; it cannot record actions")
        if named is not None and named != user.agent_id:
            raise _forbidden(f"agents record their own actions ({user.agent_id}), not {named}'s")
        return user.agent_id
    if named is None:
        return user.username
    if not await may_see_agent_async(conn, user, named):
        raise _forbidden(f"you may not record actions for agent {named}")
    return named


async def _date_problems(
    conn: psycopg.AsyncConnection, action: AgentAction, now: datetime
) -> list[tuple[str, str]]:
    problems = []
    # Past the wall clock, the business date may still allow it (a demo's runs a day a minute, and its
    # action form dates actions on it): read only then, the usual action needs no extra round trip.
    if in_the_future(action.at, now) and (
        ahead := in_the_future(action.at, now, await latest_business_date_async(conn))
    ):
        problems.append(("at", ahead))
    day = action.at.date()  # the action's day in its own offset, as the queues count it
    if action.promise is not None and action.promise.date < day:
        problems.append(
            ("promise.date", f"the promise date {action.promise.date} is before the action's day {day}")
        )
    if action.follow_up_date is not None and action.follow_up_date < day:
        problems.append(
            ("follow_up_date", f"the follow-up date {action.follow_up_date} is before the action's day {day}")
        )
    return problems


def _promise_problem(action: AgentAction, currencies: list[str]) -> tuple[str, str] | None:
    """A promise is in one currency, the named loan's or that of all the customer's loans (its payments are
    summed), and in an amount that currency is paid in (no fraction of a dong), as a payment posted here is.
    ``currencies``: those loans' (none known yet: nothing to check)."""
    assert action.promise is not None
    if len(currencies) > 1:  # only without a loan: a loan has one currency
        listed = " and ".join(currencies)
        why = f"the loans of customer {action.cif} are in {listed}: name the promise's loan"
        return "account_number", why
    if currencies and (finer := finer_than_paid(action.promise.amount, currencies[0])):
        return "promise.amount", finer
    return None


class ContactRules(StrEnum):
    """Which contact rules an outbound contact must pass before it is recorded."""

    ALL = "all"  # a call: Reg F's call-frequency rules besides the rest
    WITHOUT_FREQUENCY = "without frequency"  # an SMS, an e-mail, a visit: not the call-frequency rules


def contact_rules_of(action: AgentAction) -> ContactRules | None:
    """None for an inbound contact (the customer reached us) and for a letter (`ContactCodes.letter_types`);
    every rule for an outbound call, the calls the queues count as attempts (`contacts.ContactCodes`); for
    any other outbound contact, the cease-communication request, an open dispute and the calling hours."""
    if action.subtype in DEFAULT_CODES.inbound_subtypes or action.type in DEFAULT_CODES.letter_types:
        return None
    return ContactRules.ALL if action.type in DEFAULT_CODES.call_types else ContactRules.WITHOUT_FREQUENCY


def contact_history(inputs: dict | None, recent: list[dict]) -> list[ContactEvent]:
    """The events of the processor's snapshot plus those of recently accepted actions it may not have
    folded in yet (the pipeline takes a moment): attempts it already has are recognised by their time."""
    inputs = inputs or {}
    history: dict = {}
    for value in reversed(recent):  # oldest first; the fold does not depend on the order anyway
        history = with_action(history, AgentAction.model_validate(value).model_dump(), DEFAULT_CODES)
    extra = compliance_inputs(history) if history else {}
    known = set(inputs.get("attempts", []))
    extra["attempts"] = [at for at in extra.get("attempts", []) if at not in known]
    return [*contact_events(inputs), *contact_events(extra)]


async def _check_contact_rules(
    redis_client: aioredis.Redis,
    settings: Settings,
    action: AgentAction,
    recent: list[dict],
    customer_zone: str | None,
    which: ContactRules,
) -> None:
    """The contact rules the queues show (`processors.queues.read.deployment_rules`: the same decision there
    and here), for the action's moment in the customer's zone, else the deployment's default zone."""
    namespace, rules = settings.namespace, deployment_rules(settings)
    try:
        inputs = await read_contact_inputs_async(redis_client, namespace, action.cif)
    except redis.RedisError:
        raise ServiceUnavailable(
            "Redis is unavailable, so the call cannot be checked against the contact rules; "
            "nothing was recorded, try again shortly"
        ) from None
    zone_name = customer_zone or (inputs or {}).get("timezone")
    zone = zone_named(zone_name)
    decision = may_contact(
        contact_history(inputs, recent),
        action.at,
        zone,
        rules,
        debt=action.account_number,
        frequency=which is ContactRules.ALL,
    )
    if not decision.allowed:
        raise ComplianceRefused(
            decision, rules, zone_name if zone is not None else str(rules.default_timezone)
        )


def _repeat(stored: queries.AcceptedAction, action: AgentAction) -> ActionAccepted:
    if stored.value != orjson.loads(action.model_dump_json()):
        raise Conflict(f"action id {action.action_id} already used for a different action")
    return ActionAccepted(action_id=action.action_id, accepted_at=stored.accepted_at.astimezone(UTC))


class _TakenMeanwhile(Exception):  # noqa: N818 - a signal: another request committed this id first
    pass


async def record_action(
    pool: psycopg_pool.AsyncConnectionPool,
    redis_client: aioredis.Redis,
    publisher: Publisher,
    dictionaries: Dictionaries,
    user: Principal,
    body: ActionCreate,
    now: datetime | None = None,
) -> ActionAccepted:
    """Check the action and produce it to ``agent.actions`` (key cif); the same action again is accepted
    once. Raises the API's errors (403, 404, 409, 422 as RequestValidationError, 503)."""
    now = now or datetime.now(UTC)
    async with pool.connection() as conn:
        action = await _action_of(conn, dictionaries, user, body)
        try:
            async with _transaction_begun_by_checks(conn):
                return await _check_store_and_produce(conn, redis_client, publisher, user, action, now)
        except _TakenMeanwhile:
            stored = await queries.find_accepted(conn, action.action_id)
            assert stored is not None  # rows are never deleted
            return _repeat(stored, action)


@asynccontextmanager
async def _transaction_begun_by_checks(conn: psycopg.AsyncConnection) -> AsyncIterator[None]:
    """Commit the transaction that `queries.locked_checks` begins when the block ends; roll it back when
    the block raises (a refusal, Kafka's failure: nothing stored)."""
    try:
        yield
    except BaseException:
        with suppress(psycopg.Error):
            await conn.rollback()
        raise
    await conn.commit()


async def _action_of(
    conn: psycopg.AsyncConnection, dictionaries: Dictionaries, user: Principal, body: ActionCreate
) -> AgentAction:
    """The action as it will be produced, once its agent and its codes are found right."""
    agent_id = await _agent_of(conn, user, body.agent_id)
    try:
        action = agent_action(body, body.action_id or str(uuid.uuid4()), agent_id)
    except ValidationError as error:  # e.g. a supervisor's login name that is no agent id
        raise body_validation_error(error) from None
    if problems := unknown_action_codes(
        dictionaries, action.model_dump(include={"type", "subtype", "result"})
    ):
        raise fields_error(problems)
    return action


async def _check_store_and_produce(
    conn: psycopg.AsyncConnection,
    redis_client: aioredis.Redis,
    publisher: Publisher,
    user: Principal,
    action: AgentAction,
    now: datetime,
) -> ActionAccepted:
    """The checks under the customer's lock, then the row, its audit line and the confirmed message; in
    the caller's transaction, which commits them together."""
    checked = contact_rules_of(action)
    since = action.at - timedelta(days=KEEP_ATTEMPT_DAYS) if checked else None
    found = await queries.locked_checks(conn, action, scope_of(user), since)
    if found.accepted is not None:  # before the checks of time and state: a retry must succeed
        return _repeat(found.accepted, action)
    if problems := await _date_problems(conn, action, now):
        raise fields_error(problems)
    customer = found.customer
    if customer is None or not customer.visible:
        raise NotFound(f"customer {action.cif} not found")
    if not found.loan_of_customer:
        account = action.account_number
        raise fields_error([("account_number", f"{account} is not a loan of customer {action.cif}")])
    if action.promise is not None and (problem := _promise_problem(action, found.promise_currencies)):
        raise fields_error([problem])
    if checked:
        await _check_contact_rules(
            redis_client, publisher.settings, action, found.recent, customer.timezone, checked
        )
    accepted_at = datetime.now(UTC)
    value = action.model_dump_json()
    if not await queries.insert_accepted(conn, action, value, accepted_at, user.username):
        raise _TakenMeanwhile  # the same id, for another customer, committed meanwhile
    # raises PublishFailed (503): the transaction rolls back and nothing is stored
    await publisher.publish_async([Outgoing("agent.actions", action.cif, value.encode())])
    return ActionAccepted(action_id=action.action_id, accepted_at=accepted_at)

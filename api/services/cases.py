"""Saving a customer's case: the caller may see the customer, the codes are in the dictionaries and the
substate goes with the state, the save is based on the version in force (409 otherwise, so one person's
save never silently undoes another's), it is audited with what changed, and its statuses are published to
``crm.cases`` before it commits (Kafka not confirming rolls it back: 503, nothing saved)."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from api.errors import fields_error
from api.publishing import Outgoing, Publisher
from api.queries import audit, cases
from api.security import Principal
from api.stale import require_current
from api.visibility import require_customer
from contracts.cases import CaseRecord, CaseUpdate, CaseView
from domain.dictionaries import CASE_FIELDS, Dictionaries, unknown_codes
from infra.locks import hold_until_commit

TOPIC = "crm.cases"  # the statuses, for the strategy processor's case.* conditions


def read(conn: psycopg.Connection, user: Principal, cif: str) -> CaseView:
    require_customer(conn, user, cif)
    return CaseView.model_validate(cases.read(conn, cif))


def save(
    conn: psycopg.Connection,
    publisher: Publisher,
    user: Principal,
    cif: str,
    body: CaseUpdate,
    dictionaries: Dictionaries,
) -> CaseView:
    if problems := unknown_codes(dictionaries, CASE_FIELDS, body.model_dump(include=set(CASE_FIELDS))):
        raise fields_error(problems)
    with conn.transaction():
        require_customer(conn, user, cif)
        # saves of one case run one after the other (also the first, with no row to lock yet)
        hold_until_commit(conn, f"case:{cif}")
        before = cases.read(conn, cif)
        version = before["version"]
        require_current("the case", body.version, version, before["updated_by"], before["updated_at"])
        # a pair saved before the substate's states were narrowed stays, until one of the two changes
        changed_pair = (body.state, body.substate) != (before["state"], before["substate"])
        if changed_pair and (why := dictionaries.substate_refused(body.state, body.substate)):
            raise fields_error([("substate", why)])
        saved = CaseRecord(
            cif=cif,
            state=body.state,
            substate=body.substate,
            recovery_ability=body.recovery_ability,
            version=version + 1,
            updated_at=datetime.now(UTC),
            updated_by=user.username,
        )
        cases.save(
            conn,
            cif,
            body.state,
            body.substate,
            body.recovery_ability,
            body.notes,
            saved.version,
            saved.updated_at,
            user.username,
        )
        changed = {
            field: getattr(body, field)
            for field in ("state", "substate", "recovery_ability", "notes")
            if getattr(body, field) != before[field]
        }
        audit.record(
            conn, user.username, "case.update", f"customer:{cif}", {"version": version + 1, **changed}
        )
        # raises PublishFailed (503): the transaction rolls back and nothing is saved
        publisher.publish([Outgoing(TOPIC, cif, saved.model_dump_json().encode())])
    return CaseView.model_validate(cases.read(conn, cif))

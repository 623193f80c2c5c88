"""Saving the contacts agents added to a customer: the caller may see the customer, the save is based on the
version in force (409 otherwise), it is audited with what was added and removed, and it is published to
``crm.contacts`` before it commits (Kafka not confirming rolls it back: 503, nothing saved)."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from api.publishing import Outgoing, Publisher
from api.queries import audit
from api.queries import crm_contacts as queries
from api.security import Principal
from api.stale import require_current
from api.visibility import require_customer
from contracts.crm_contacts import CrmAddress, CrmContacts, CrmContactsUpdate, CrmContactsView
from infra.locks import hold_until_commit

TOPIC = "crm.contacts"


def read(conn: psycopg.Connection, user: Principal, cif: str) -> CrmContactsView:
    require_customer(conn, user, cif)
    return CrmContactsView.model_validate(queries.read(conn, cif))


def _named(kind: str, contacts: list[dict]) -> dict[str, dict]:
    """Each contact (JSON form) by how the audit names it: a number, an email, an address on one line."""
    if kind == "addresses":
        return {CrmAddress.model_validate(c).one_line(): c for c in contacts}
    return {c["number" if kind == "phones" else "address"]: c for c in contacts}


def _changes(before: dict, after: dict) -> dict:
    """What the audit line says: the numbers and addresses added and removed, and those edited."""
    changes = {}
    for kind in queries.LISTS:
        old, new = _named(kind, before[kind]), _named(kind, after[kind])
        for what, values in (
            ("added", [v for v in new if v not in old]),
            ("removed", [v for v in old if v not in new]),
            ("changed", [v for v in new if v in old and new[v] != old[v]]),
        ):
            if values:
                changes[f"{kind}_{what}"] = values
    return changes


def save(
    conn: psycopg.Connection, publisher: Publisher, user: Principal, cif: str, body: CrmContactsUpdate
) -> CrmContactsView:
    sent = body.model_dump(mode="json", include=set(queries.LISTS) & body.model_fields_set)
    with conn.transaction():
        require_customer(conn, user, cif)
        # saves of one customer's list run one after the other (also the first, with no row to lock yet),
        # so their versions reach crm.contacts in order
        hold_until_commit(conn, f"crm_contacts:{cif}")
        before = queries.read(conn, cif)
        version = before["version"]
        require_current(
            "the contacts", body.version, version, before["updated_by"], before["updated_at"], plural=True
        )
        # a list left out is kept: a client written before addresses existed does not erase them
        lists = {kind: sent.get(kind, before[kind]) for kind in queries.LISTS}
        changes = _changes(before, lists)
        if not changes:
            return CrmContactsView.model_validate(before)  # nothing to save: no new version, nothing sent
        saved = CrmContacts(
            cif=cif, version=version + 1, updated_at=datetime.now(UTC), updated_by=user.username, **lists
        )
        queries.save(conn, cif, lists, saved.version, saved.updated_at, user.username)
        audit.record(
            conn, user.username, "contacts.update", f"customer:{cif}", {"version": saved.version, **changes}
        )
        # raises PublishFailed (503): the transaction rolls back and nothing is saved
        publisher.publish([Outgoing(TOPIC, cif, saved.model_dump_json().encode())])
    return CrmContactsView.model_validate(queries.read(conn, cif))

"""Reading and saving the contacts agents added to a customer (migrations 0023, 0026)."""

from __future__ import annotations

from datetime import datetime

import orjson
import psycopg
from psycopg.types.json import Jsonb

LISTS = ("phones", "emails", "addresses")
# The row (`cc`) of the customer `v`; also the 360 view's `crm_contacts` part.
CRM_CONTACTS_PARTS = """
    'phones', coalesce(cc.phones, '[]'), 'emails', coalesce(cc.emails, '[]'),
    'addresses', coalesce(cc.addresses, '[]'),
    'version', coalesce(cc.version, 0), 'updated_at', cc.updated_at, 'updated_by', cc.updated_by"""
_READ = f"""
SELECT json_build_object({CRM_CONTACTS_PARTS})::text
FROM (SELECT %(cif)s::text AS cif) v LEFT JOIN crm_contacts cc ON cc.cif = v.cif"""


def read(conn: psycopg.Connection, cif: str) -> dict:
    (document,) = conn.execute(_READ, {"cif": cif}).fetchone()
    return orjson.loads(document)


def save(conn: psycopg.Connection, cif: str, lists: dict, version: int, at: datetime, who: str) -> None:
    """Save ``lists`` (phones, emails, addresses, JSON form) as the customer's list at ``version``."""
    conn.execute(
        "INSERT INTO crm_contacts (cif, phones, emails, addresses, version, updated_at, updated_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (cif) DO UPDATE SET phones = EXCLUDED.phones,"
        " emails = EXCLUDED.emails, addresses = EXCLUDED.addresses, version = EXCLUDED.version,"
        " updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
        (cif, *(Jsonb(lists[kind]) for kind in LISTS), version, at, who),
    )

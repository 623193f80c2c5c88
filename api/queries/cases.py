"""Reading and saving a customer's case (migration 0021), and the open follow-up date the actions set."""

from __future__ import annotations

from datetime import date, datetime

import orjson
import psycopg

# The case row (`k`) of the customer `v`, and what the follow-up date is judged from: the latest action that
# set one, the latest action of any kind and its day in its own offset (0027; the UTC day for rows written
# before) (each one indexed read of actions (cif, at DESC)). Also the 360 view's `case` part.
CASE_PARTS = """
    'state', k.state, 'substate', k.substate, 'recovery_ability', k.recovery_ability,
    'notes', coalesce(k.notes, ''),
    'version', coalesce(k.version, 0), 'updated_at', k.updated_at, 'updated_by', k.updated_by,
    'follow_up', (SELECT json_build_object('at', a.at, 'date', a.follow_up_date) FROM actions a
                  WHERE a.cif = v.cif AND a.follow_up_date IS NOT NULL
                  ORDER BY a.at DESC, a.follow_up_date DESC LIMIT 1),
    'last_action', (SELECT json_build_object('at', a.at,
                                             'day', coalesce(a.day, (a.at AT TIME ZONE 'UTC')::date))
                    FROM actions a WHERE a.cif = v.cif ORDER BY a.at DESC LIMIT 1)"""
_READ = f"""
SELECT json_build_object({CASE_PARTS})::text
FROM (SELECT %(cif)s::text AS cif) v LEFT JOIN cases k ON k.cif = v.cif"""


def open_follow_up(follow_up: dict | None, last_action: dict | None) -> date | None:
    """The follow-up date the latest action set, unless an action made after it, on or after that day (in
    the action's own offset), completed it (`processors.queues.contacts.follow_up_due_date`, the queue's
    rule)."""
    if follow_up is None:
        return None  # else the latest action exists: it is at least the one that set the date
    due, set_at = date.fromisoformat(follow_up["date"]), datetime.fromisoformat(follow_up["at"])
    last_at, last_day = datetime.fromisoformat(last_action["at"]), date.fromisoformat(last_action["day"])
    return None if last_at > set_at and last_day >= due else due


def case_view(parts: dict) -> dict:
    """The `CaseView` fields of :data:`CASE_PARTS` as read."""
    follow_up, last_action = parts.pop("follow_up"), parts.pop("last_action")
    return {**parts, "follow_up_date": open_follow_up(follow_up, last_action)}


def read(conn: psycopg.Connection, cif: str) -> dict:
    (document,) = conn.execute(_READ, {"cif": cif}).fetchone()
    return case_view(orjson.loads(document))


def save(
    conn: psycopg.Connection,
    cif: str,
    state: str | None,
    substate: str | None,
    ability: str | None,
    notes: str,
    version: int,
    at: datetime,
    who: str,
) -> None:
    conn.execute(
        "INSERT INTO cases (cif, state, substate, recovery_ability, notes, version, updated_at, updated_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (cif) DO UPDATE SET state = EXCLUDED.state,"
        " substate = EXCLUDED.substate,"
        " recovery_ability = EXCLUDED.recovery_ability, notes = EXCLUDED.notes, version = EXCLUDED.version,"
        " updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
        (cif, state, substate, ability, notes, version, at, who),
    )

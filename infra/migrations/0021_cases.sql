-- Each customer's case: the CRM's own statuses of the collection work on them (processing state, recovery
-- ability, from the code dictionaries) and the master notes, as agents and supervisors last saved them
-- (PUT /api/cases/{cif}). No row: nothing set yet. `version` counts the saves, so that a save based on an
-- older version is refused, not lost. The follow-up date is not stored here: it comes from the actions.
CREATE TABLE cases (
    cif              text PRIMARY KEY,
    state            text,
    recovery_ability text,
    notes            text NOT NULL DEFAULT '',
    version          integer NOT NULL CHECK (version > 0),
    updated_at       timestamptz NOT NULL,
    updated_by       text NOT NULL
);

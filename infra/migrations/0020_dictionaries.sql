-- The code dictionaries (action types, subtypes, results, customer segments and statuses) as an admin last
-- saved them (PUT /api/admin/dictionaries). One row at most; none: CRM_DICTIONARIES_FILE or the built-in
-- defaults. `version` counts the saves, so that a save based on an older version is refused, not lost.
CREATE TABLE dictionaries (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    document   jsonb NOT NULL,          -- the GET /api/dictionaries shape, every dictionary present
    version    integer NOT NULL CHECK (version > 0),
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);

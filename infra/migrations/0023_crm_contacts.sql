-- The phones and emails agents added to a customer (PUT /api/contacts/{cif}): the CRM's own contact data,
-- beside the bank's read-only ones in customers. One row per customer holding the whole list as last
-- saved; `version` counts the saves, so that a save based on an older version is refused, not lost. Each
-- save is also published to crm.contacts, from which the strategy processor selects them.
CREATE TABLE crm_contacts (
    cif        text PRIMARY KEY,
    phones     jsonb NOT NULL DEFAULT '[]',
    emails     jsonb NOT NULL DEFAULT '[]',
    version    integer NOT NULL CHECK (version > 0),
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);

-- Versions that let the entity sinks replace child rows idempotently: a loan's installments carry the
-- snapshot they came from, a collateral's loan links the collateral record they came from.
ALTER TABLE installments ADD COLUMN snapshot_as_of timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE collateral_loans ADD COLUMN updated_at timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE collateral_loans DROP CONSTRAINT collateral_loans_collateral_number_fkey;

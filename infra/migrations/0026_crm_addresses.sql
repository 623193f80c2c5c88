-- Addresses agents add to a customer (a new home or shop learned on a call or a visit), beside the phones
-- and emails of 0023, saved and versioned with them as one list.
ALTER TABLE crm_contacts ADD COLUMN addresses jsonb NOT NULL DEFAULT '[]';

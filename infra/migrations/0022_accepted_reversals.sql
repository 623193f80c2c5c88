-- A payment is reversed once: a posting that reverses a payment an earlier reversal undid already is refused
-- (POST /api/payments, 409). The check looks up reversals posted here by the payment they undo; the bank's
-- own reversals are found through payments_reverses_idx (0011).
CREATE INDEX accepted_payments_reverses_idx ON accepted_payments ((value ->> 'reverses'))
    WHERE value ->> 'reverses' IS NOT NULL;

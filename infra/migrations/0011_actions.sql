-- Agents' actions, one row per action_id, as the promises processor accepted them from agent.actions (it is
-- the processor that checks that topic's contract; dead-lettered actions never land here). The 360 view
-- reads a customer's latest actions: one index range scan, newest first.
CREATE TABLE actions (
    action_id      text PRIMARY KEY,
    cif            text NOT NULL,
    account_number text,
    agent_id       text NOT NULL,
    type           text NOT NULL,
    subtype        text NOT NULL,
    result         text NOT NULL,
    at             timestamptz NOT NULL,
    notes          text,
    promise_date   date,
    promise_amount numeric,
    follow_up_date date,
    contact        jsonb,               -- {"channel", "number"}
    visit          jsonb                -- {"lat", "lon", "address"}
);
CREATE INDEX actions_cif_at_idx ON actions (cif, at DESC);

-- The 360 view links each payment to the reversal that undid it (WHERE reverses = <its reference>).
CREATE INDEX payments_reverses_idx ON payments (reverses) WHERE reverses IS NOT NULL;

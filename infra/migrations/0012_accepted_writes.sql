-- Writes the API accepted (POST /api/actions, POST /api/payments), one row per id. A row is inserted in
-- the transaction that produces its message and committed only after Kafka confirmed the delivery, so a
-- repeat of the same id answers with the first result and is never produced twice, and a write Kafka did
-- not take leaves no row (a retry is then a first attempt).

CREATE TABLE accepted_actions (
    action_id   text PRIMARY KEY,
    cif         text NOT NULL,
    agent_id    text NOT NULL,
    at          timestamptz NOT NULL,   -- the action's own time: recent ones join the next call's compliance check
    accepted_at timestamptz NOT NULL,
    accepted_by text NOT NULL,          -- the login that posted it
    value       jsonb NOT NULL          -- the AgentAction exactly as produced to agent.actions
);
CREATE INDEX accepted_actions_cif_at_idx ON accepted_actions (cif, at);

CREATE TABLE accepted_payments (
    reference_number text PRIMARY KEY,
    account_number   text NOT NULL,
    accepted_at      timestamptz NOT NULL,
    accepted_by      text NOT NULL,
    value            jsonb NOT NULL     -- the Payment exactly as produced to payments
);

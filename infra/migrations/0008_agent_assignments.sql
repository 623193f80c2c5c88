-- Customers' agents, a type-2 history per (cif, agent_type): one row per change, written by the allocation
-- processor. A row holds from valid_from (business date) until valid_to, the next row's valid_from; the
-- current row has valid_to NULL. agent_id NULL: no agent (no capacity, no fitting agent, not needed: see
-- reason). seq orders a customer's rows (episode × 1,000,000 + change within it).
CREATE TABLE agent_assignments (
    cif              text NOT NULL,
    agent_type       text NOT NULL CHECK (agent_type IN ('CALL', 'FIELD')),
    seq              bigint NOT NULL,
    agent_id         text,
    team             text,
    campaign_id      text,
    valid_from       date NOT NULL,
    valid_to         date,
    reason           text NOT NULL,
    strategy_version integer,
    PRIMARY KEY (cif, agent_type, seq)
);
-- The current assignment of a customer: one indexed read (WHERE cif = $1 AND valid_to IS NULL).
CREATE UNIQUE INDEX agent_assignments_current_idx ON agent_assignments (cif, agent_type) WHERE valid_to IS NULL;
-- An agent's current workload and customers (WHERE agent_id = $1 AND valid_to IS NULL).
CREATE INDEX agent_assignments_agent_idx ON agent_assignments (agent_id, cif) WHERE valid_to IS NULL;

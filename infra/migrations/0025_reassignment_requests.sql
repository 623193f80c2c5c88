-- Supervisors' reassignments as asked through the API (POST /api/assignments and its rebalance), and what
-- the allocation processor made of each (allocation.decisions, written by its sink): the supervisor sees
-- a refused move and why, not only that it has not shown. A request without a decision is pending.
CREATE TABLE reassignment_requests (
    override_id   text PRIMARY KEY,
    cif           text NOT NULL,
    team          text NOT NULL,
    agent_type    text NOT NULL,
    agent_id      text NOT NULL,
    from_agent_id text,
    episode       integer NOT NULL,
    requested_by  text NOT NULL,
    requested_at  timestamptz NOT NULL,
    note          text
);
CREATE INDEX reassignment_requests_cif_idx ON reassignment_requests (cif, requested_at DESC);

-- One row per reassignment the processor decided, whoever published it. A decision stands once made,
-- except KEPT_FOR_STAY, which the decision taken when the customer's stay begins replaces (a redelivered
-- override that finds the customer moved already does not turn APPLIED into ALREADY).
CREATE TABLE reassignment_decisions (
    override_id   text PRIMARY KEY,
    cif           text NOT NULL,
    team          text NOT NULL,
    agent_type    text NOT NULL,
    agent_id      text NOT NULL,
    outcome       text NOT NULL
        CHECK (outcome IN ('APPLIED', 'KEPT_FOR_STAY', 'ALREADY', 'REFUSED', 'SUPERSEDED')),
    reason        text,
    business_date date,
    decided_at    timestamptz NOT NULL DEFAULT now()
);

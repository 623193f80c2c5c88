-- Promises to pay, one row per promise (the action that made it), with its latest status.
CREATE TABLE promises (
    action_id      text PRIMARY KEY,
    cif            text NOT NULL,
    account_number text,                -- NULL: any of the customer's loans counts
    agent_id       text,
    made_on        date NOT NULL,
    due_date       date NOT NULL,
    amount         numeric NOT NULL CHECK (amount > 0),
    status         text NOT NULL CHECK (status IN ('PENDING', 'KEPT', 'BROKEN')),
    paid           numeric NOT NULL,    -- paid toward it so far
    evaluated_on   date NOT NULL        -- the date its status was judged as of
);
CREATE INDEX promises_cif_idx ON promises (cif);
CREATE INDEX promises_agent_idx ON promises (agent_id, status);
CREATE INDEX promises_due_idx ON promises (due_date, status);

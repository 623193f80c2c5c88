-- Logins, login throttling, the audit trail, and the configuration the admin API publishes.
-- PostgreSQL is the record of configuration; the compacted config.* topics carry it to the processors.

CREATE TABLE users (
    username      text PRIMARY KEY,
    password_hash text NOT NULL,        -- argon2id, with its parameters (PHC string)
    role          text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin', 'integration')),
    agent_id      text,                 -- the agent an `agent` login works as
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'agent' OR agent_id IS NOT NULL)
);
CREATE INDEX users_agent_idx ON users (agent_id) WHERE agent_id IS NOT NULL;

-- Failed logins, for throttling; rows older than the window are pruned as new failures arrive.
CREATE TABLE login_failures (
    username  text NOT NULL,
    client    text,                     -- the client's address, for investigation
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_user_idx ON login_failures (username, failed_at DESC);
CREATE INDEX login_failures_at_idx ON login_failures (failed_at);

-- Who did what to which thing; written in the same transaction as the change it records.
CREATE TABLE audit_log (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    who     text NOT NULL,
    action  text NOT NULL,              -- e.g. strategy.publish, agent.update, customer.view
    target  text NOT NULL,              -- e.g. strategy:default, agent:A-17, customer:C123
    at      timestamptz NOT NULL DEFAULT now(),
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target_idx ON audit_log (target, at DESC);
CREATE INDEX audit_log_who_idx ON audit_log (who, at DESC);

-- Every published version of every strategy; the current one is the highest version.
CREATE TABLE strategy_versions (
    strategy_id  text NOT NULL,
    version      integer NOT NULL CHECK (version >= 1),
    config       jsonb NOT NULL,        -- the StrategyConfig exactly as published on config.strategies
    published_at timestamptz NOT NULL,
    published_by text NOT NULL,
    PRIMARY KEY (strategy_id, version)
);

-- The current configuration of each agent (deactivation is active = false, never a delete).
CREATE TABLE agents (
    agent_id   text PRIMARY KEY,
    config     jsonb NOT NULL,          -- the AgentConfig exactly as published on config.agents
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);
CREATE INDEX agents_team_idx ON agents ((config ->> 'team'));

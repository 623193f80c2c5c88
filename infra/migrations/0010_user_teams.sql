-- A supervisor's team: they see the customers whose current agent is in it. NULL: every team (heads of
-- collections). Agents take their team from their agent record, not from here.
ALTER TABLE users ADD COLUMN team text;
CREATE INDEX agent_assignments_team_idx ON agent_assignments (team, cif) WHERE valid_to IS NULL;

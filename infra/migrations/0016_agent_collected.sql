-- Money collected on each agent's accounts (the supervisor's KPI "amount collected on assigned accounts"):
-- per calendar day of paid_at (in dashboard_settings.time_zone, as agg_collected) and currency, the payments
-- on the loans of the customers an agent holds now (a current CALL or FIELD row of agent_assignments naming
-- them): COMPLETED add, REVERSED subtract. A customer's collections follow the customer: when it changes
-- hands its sums leave the old agent and join the new one, and a payment or loan that arrives before the
-- assignment (or the loan) counts from the moment the missing row is written. So the figures are a function
-- of the current payments, loans and assignments, whatever order the sinks wrote them in, and a rebuild
-- gives the same rows.
--
-- The triggers follow migration 0013's pattern (statement-level, transition tables, deltas netted per key,
-- rows whose counts reach zero deleted), with one difference: this aggregate joins three base tables, so a
-- trigger takes the aggregate's advisory lock *before* reading the other two. In READ COMMITTED each query of
-- a trigger function reads a fresh snapshot, so a writer that changed one of the other tables has either
-- committed (and is seen) or waits for the lock and applies its own delta afterwards, seeing ours: a payment
-- and the move of its customer written at the same moment by two sinks are counted once, under the agent
-- who holds the customer in the end.
--
-- Triggers fire in the order of their names; these are named agg_agent_collected_* so that on payments and
-- agent_assignments they run before migration 0013's agg_* ones, keeping the alphabetical lock order
-- (agg_agent_collected, then agg_agent_workload or agg_collected).

CREATE TABLE agg_agent_collected (
    day       date NOT NULL,
    agent_id  text NOT NULL,
    currency  char(3) NOT NULL,
    amount    numeric NOT NULL,
    payments  bigint NOT NULL,          -- COMPLETED rows
    reversals bigint NOT NULL,          -- REVERSED rows
    PRIMARY KEY (day, agent_id, currency)
);

CREATE FUNCTION agg_agent_collected_apply(added agg_agent_collected[], removed agg_agent_collected[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    delta agg_agent_collected[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_agent_collected ORDER BY d.day, d.agent_id, d.currency) INTO delta
    FROM (
        SELECT day, agent_id, currency, sum(amount) AS amount, sum(payments)::bigint AS payments,
               sum(reversals)::bigint AS reversals
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT day, agent_id, currency, -amount, -payments, -reversals FROM unnest(removed)) AS c
        GROUP BY day, agent_id, currency
        HAVING sum(amount) <> 0 OR sum(payments) <> 0 OR sum(reversals) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_agent_collected');
    INSERT INTO agg_agent_collected AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.day, d.agent_id, d.currency
    ON CONFLICT (day, agent_id, currency) DO UPDATE SET
        amount = a.amount + EXCLUDED.amount,
        payments = a.payments + EXCLUDED.payments,
        reversals = a.reversals + EXCLUDED.reversals;
    DELETE FROM agg_agent_collected a USING unnest(delta) AS d
    WHERE (a.day, a.agent_id, a.currency) = (d.day, d.agent_id, d.currency)
      AND a.payments = 0 AND a.reversals = 0;
END $$;

-- What the payments of `accounts` (paired with the customer `cifs` each belongs to, or is taken to belong
-- to) bring the agents holding those customers now, per day, agent and currency.
CREATE FUNCTION agg_agent_collected_of_accounts(accounts text[], cifs text[]) RETURNS agg_agent_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_agent_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, a.agent_id,
                 p.currency, sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(accounts, cifs) AS m(account_number, cif)
          JOIN payments p ON p.account_number = m.account_number
          JOIN agent_assignments a ON a.cif = m.cif AND a.valid_to IS NULL AND a.agent_id IS NOT NULL
          WHERE p.status IN ('COMPLETED', 'REVERSED')
          GROUP BY 1, 2, 3) AS g
$$;

-- What the payments of customers `cifs` bring the agents `agents` (paired), per day, agent and currency.
CREATE FUNCTION agg_agent_collected_of_customers(cifs text[], agents text[]) RETURNS agg_agent_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_agent_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, m.agent_id,
                 p.currency, sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(cifs, agents) AS m(cif, agent_id)
          JOIN loans l ON l.cif = m.cif
          JOIN payments p ON p.account_number = l.account_number
          WHERE p.status IN ('COMPLETED', 'REVERSED')
          GROUP BY 1, 2, 3) AS g
$$;

-- What `changed` payments bring the agents holding their loans' customers now, per day, agent and currency.
CREATE FUNCTION agg_agent_collected_of_payments(changed payments[]) RETURNS agg_agent_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_agent_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, a.agent_id,
                 p.currency, sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(changed) AS p
          JOIN loans l ON l.account_number = p.account_number
          JOIN agent_assignments a ON a.cif = l.cif AND a.valid_to IS NULL AND a.agent_id IS NOT NULL
          GROUP BY 1, 2, 3) AS g
$$;

-- Payments: the changed rows that count, credited to the current holders of their loans' customers.
CREATE FUNCTION agg_agent_collected_payments_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    arrived payments[] := '{}';
    gone payments[] := '{}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        arrived := ARRAY(SELECT ROW(p.*)::payments FROM new_rows p WHERE p.status IN ('COMPLETED', 'REVERSED'));
    END IF;
    IF TG_OP <> 'INSERT' THEN
        gone := ARRAY(SELECT ROW(p.*)::payments FROM old_rows p WHERE p.status IN ('COMPLETED', 'REVERSED'));
    END IF;
    IF cardinality(arrived) = 0 AND cardinality(gone) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM agg_lock('agg_agent_collected');  -- before reading loans and assignments (see the top)
    PERFORM agg_agent_collected_apply(
        agg_agent_collected_of_payments(arrived), agg_agent_collected_of_payments(gone));
    RETURN NULL;
END $$;

-- Loans: a loan that appears, disappears or changes customer takes its payments along. An update that
-- keeps every loan's customer (the usual re-upsert of balances) changes nothing here and takes no lock.
CREATE FUNCTION agg_agent_collected_loans_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    arrived_accounts text[] := '{}';
    arrived_cifs text[] := '{}';
    left_accounts text[] := '{}';
    left_cifs text[] := '{}';
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}')
        INTO arrived_accounts, arrived_cifs FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}')
        INTO left_accounts, left_cifs FROM old_rows;
    ELSE
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}')
        INTO arrived_accounts, arrived_cifs
        FROM (SELECT account_number, cif FROM new_rows EXCEPT ALL SELECT account_number, cif FROM old_rows) AS m;
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}')
        INTO left_accounts, left_cifs
        FROM (SELECT account_number, cif FROM old_rows EXCEPT ALL SELECT account_number, cif FROM new_rows) AS m;
    END IF;
    IF cardinality(arrived_accounts) = 0 AND cardinality(left_accounts) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM agg_lock('agg_agent_collected');  -- before reading payments and assignments
    PERFORM agg_agent_collected_apply(
        agg_agent_collected_of_accounts(arrived_accounts, arrived_cifs),
        agg_agent_collected_of_accounts(left_accounts, left_cifs));
    RETURN NULL;
END $$;

-- Assignments: a customer's collections leave the agent whose current row ends and join the agent whose
-- current row begins.
CREATE FUNCTION agg_agent_collected_assignments_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    gained_cifs text[] := '{}';
    gained_agents text[] := '{}';
    lost_cifs text[] := '{}';
    lost_agents text[] := '{}';
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT coalesce(array_agg(cif), '{}'), coalesce(array_agg(agent_id), '{}') INTO gained_cifs, gained_agents
        FROM new_rows WHERE valid_to IS NULL AND agent_id IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT coalesce(array_agg(cif), '{}'), coalesce(array_agg(agent_id), '{}') INTO lost_cifs, lost_agents
        FROM old_rows WHERE valid_to IS NULL AND agent_id IS NOT NULL;
    ELSE
        SELECT coalesce(array_agg(cif), '{}'), coalesce(array_agg(agent_id), '{}') INTO gained_cifs, gained_agents
        FROM (SELECT cif, agent_type, seq, agent_id FROM new_rows WHERE valid_to IS NULL AND agent_id IS NOT NULL
              EXCEPT ALL
              SELECT cif, agent_type, seq, agent_id FROM old_rows WHERE valid_to IS NULL AND agent_id IS NOT NULL
             ) AS m;
        SELECT coalesce(array_agg(cif), '{}'), coalesce(array_agg(agent_id), '{}') INTO lost_cifs, lost_agents
        FROM (SELECT cif, agent_type, seq, agent_id FROM old_rows WHERE valid_to IS NULL AND agent_id IS NOT NULL
              EXCEPT ALL
              SELECT cif, agent_type, seq, agent_id FROM new_rows WHERE valid_to IS NULL AND agent_id IS NOT NULL
             ) AS m;
    END IF;
    IF cardinality(gained_cifs) = 0 AND cardinality(lost_cifs) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM agg_lock('agg_agent_collected');  -- before reading payments and loans
    PERFORM agg_agent_collected_apply(
        agg_agent_collected_of_customers(gained_cifs, gained_agents),
        agg_agent_collected_of_customers(lost_cifs, lost_agents));
    RETURN NULL;
END $$;

CREATE TRIGGER agg_agent_collected_inserted AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_payments_changed();
CREATE TRIGGER agg_agent_collected_updated AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_payments_changed();
CREATE TRIGGER agg_agent_collected_deleted AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_payments_changed();
CREATE TRIGGER agg_agent_collected_truncated AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_agent_collected');

CREATE TRIGGER agg_agent_collected_inserted AFTER INSERT ON loans REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_loans_changed();
CREATE TRIGGER agg_agent_collected_updated AFTER UPDATE ON loans
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_loans_changed();
CREATE TRIGGER agg_agent_collected_deleted AFTER DELETE ON loans REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_loans_changed();
CREATE TRIGGER agg_agent_collected_truncated AFTER TRUNCATE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_agent_collected');

CREATE TRIGGER agg_agent_collected_inserted AFTER INSERT ON agent_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_assignments_changed();
CREATE TRIGGER agg_agent_collected_updated AFTER UPDATE ON agent_assignments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_assignments_changed();
CREATE TRIGGER agg_agent_collected_deleted AFTER DELETE ON agent_assignments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_collected_assignments_changed();
CREATE TRIGGER agg_agent_collected_truncated AFTER TRUNCATE ON agent_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_agent_collected');

-- agg_agent_collected as its base tables say now: what the rebuild writes, and what a reader can compare
-- the kept rows with inside one snapshot (the triggers apply their deltas in the writers' transactions).
CREATE FUNCTION agg_agent_collected_recomputed() RETURNS SETOF agg_agent_collected
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, a.agent_id, p.currency,
           sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
           count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
    FROM payments p
    JOIN loans l ON l.account_number = p.account_number
    JOIN agent_assignments a ON a.cif = l.cif AND a.valid_to IS NULL AND a.agent_id IS NOT NULL
    WHERE p.status IN ('COMPLETED', 'REVERSED')
    GROUP BY 1, 2, 3
$$;

-- Every aggregate recomputed from its base tables (migrations 0013, 0015 and this one), under the
-- triggers' locks taken in alphabetical order.
CREATE OR REPLACE FUNCTION rebuild_dashboard_aggregates() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    zone text := (SELECT time_zone FROM dashboard_settings);
BEGIN
    PERFORM agg_lock('agg_actions');
    PERFORM agg_lock('agg_agent_actions');
    PERFORM agg_lock('agg_agent_collected');
    PERFORM agg_lock('agg_agent_promises');
    PERFORM agg_lock('agg_agent_workload');
    PERFORM agg_lock('agg_buckets');
    PERFORM agg_lock('agg_collected');
    PERFORM agg_lock('agg_promises');
    PERFORM agg_lock('agg_transitions');
    DELETE FROM agg_actions;
    INSERT INTO agg_actions
    SELECT (at AT TIME ZONE zone)::date, count(*),
           count(*) FILTER (WHERE result = ANY (dashboard_right_party_results())),
           count(*) FILTER (WHERE result = 'PROMISE_TO_PAY')
    FROM actions GROUP BY 1;
    DELETE FROM agg_agent_actions;
    INSERT INTO agg_agent_actions
    SELECT (at AT TIME ZONE zone)::date, agent_id, count(*),
           count(*) FILTER (WHERE result = ANY (dashboard_right_party_results())),
           count(*) FILTER (WHERE result = 'PROMISE_TO_PAY')
    FROM actions GROUP BY 1, 2;
    DELETE FROM agg_agent_collected;
    INSERT INTO agg_agent_collected SELECT * FROM agg_agent_collected_recomputed();
    DELETE FROM agg_agent_promises;
    INSERT INTO agg_agent_promises
    SELECT date_trunc('month', made_on)::date, agent_id, status, count(*) FROM promises
    WHERE agent_id IS NOT NULL GROUP BY 1, 2, 3;
    DELETE FROM agg_agent_workload;
    INSERT INTO agg_agent_workload
    SELECT agent_id, count(*) FROM agent_assignments
    WHERE valid_to IS NULL AND agent_id IS NOT NULL GROUP BY agent_id;
    DELETE FROM agg_buckets;
    INSERT INTO agg_buckets
    SELECT bucket, currency, count(*), sum(overdue_amount), sum(outstanding)
    FROM loan_delinquency GROUP BY bucket, currency;
    DELETE FROM agg_collected;
    INSERT INTO agg_collected
    SELECT (paid_at AT TIME ZONE zone)::date, currency,
           sum(CASE status WHEN 'COMPLETED' THEN amount ELSE -amount END),
           count(*) FILTER (WHERE status = 'COMPLETED'), count(*) FILTER (WHERE status = 'REVERSED')
    FROM payments WHERE status IN ('COMPLETED', 'REVERSED') GROUP BY 1, 2;
    DELETE FROM agg_promises;
    INSERT INTO agg_promises SELECT made_on, status, count(*) FROM promises GROUP BY made_on, status;
    DELETE FROM agg_transitions;
    INSERT INTO agg_transitions
    SELECT business_date, kind, from_bucket, to_bucket, count(*)
    FROM delinquency_transitions GROUP BY 1, 2, 3, 4;
END $$;

SELECT rebuild_dashboard_aggregates();

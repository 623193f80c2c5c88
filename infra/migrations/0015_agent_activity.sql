-- Each agent's work for the dashboard (the supervisor's KPIs per agent: actions, right-party contacts,
-- promises, kept promises), kept by statement-level triggers exactly as migration 0013's aggregates are:
-- each statement applies the delta of the rows it changed, under the aggregate's advisory lock, and rows
-- whose counts reach zero are deleted, so the triggers' tables equal a rebuild row for row.

-- The action results that mean the agent reached the customer (a right-party contact). The same set as
-- `processors.queues.contacts.DEFAULT_CODES.right_party_results` (a test compares them).
CREATE FUNCTION dashboard_right_party_results() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['CALLBACK', 'CEASE_COMMUNICATION', 'DISPUTE', 'PAID', 'PROMISE_TO_PAY', 'REFUSED']
$$;

-- Actions per agent and calendar day of the action's time (in dashboard_settings.time_zone, as "collected"
-- counts payments): every action, the right-party contacts among them, the promises to pay among them.
CREATE TABLE agg_agent_actions (
    day      date NOT NULL,
    agent_id text NOT NULL,
    actions  bigint NOT NULL,
    contacts bigint NOT NULL,
    promises bigint NOT NULL,
    PRIMARY KEY (day, agent_id)
);

-- The same per calendar day for every agent together: the month's figures read a row per day, not one per
-- agent and day.
CREATE TABLE agg_actions (
    day      date PRIMARY KEY,
    actions  bigint NOT NULL,
    contacts bigint NOT NULL,
    promises bigint NOT NULL
);

-- Promises per agent who took them, month they were made in (its first day) and current status: the
-- dashboard shows each agent's kept and broken promises of the month.
CREATE TABLE agg_agent_promises (
    month    date NOT NULL,
    agent_id text NOT NULL,
    status   text NOT NULL,
    promises bigint NOT NULL,
    PRIMARY KEY (month, agent_id, status)
);

CREATE FUNCTION agg_agent_actions_apply(added agg_agent_actions[], removed agg_agent_actions[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    delta agg_agent_actions[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_agent_actions ORDER BY d.day, d.agent_id) INTO delta
    FROM (
        SELECT day, agent_id, sum(actions)::bigint AS actions, sum(contacts)::bigint AS contacts,
               sum(promises)::bigint AS promises
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT day, agent_id, -actions, -contacts, -promises FROM unnest(removed)) AS c
        GROUP BY day, agent_id
        HAVING sum(actions) <> 0 OR sum(contacts) <> 0 OR sum(promises) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_agent_actions');
    INSERT INTO agg_agent_actions AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.day, d.agent_id
    ON CONFLICT (day, agent_id) DO UPDATE SET
        actions = a.actions + EXCLUDED.actions,
        contacts = a.contacts + EXCLUDED.contacts,
        promises = a.promises + EXCLUDED.promises;
    DELETE FROM agg_agent_actions a USING unnest(delta) AS d
    WHERE a.day = d.day AND a.agent_id = d.agent_id AND a.actions = 0;
END $$;

CREATE FUNCTION agg_actions_apply(added agg_actions[], removed agg_actions[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    delta agg_actions[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_actions ORDER BY d.day) INTO delta
    FROM (
        SELECT day, sum(actions)::bigint AS actions, sum(contacts)::bigint AS contacts,
               sum(promises)::bigint AS promises
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT day, -actions, -contacts, -promises FROM unnest(removed)) AS c
        GROUP BY day
        HAVING sum(actions) <> 0 OR sum(contacts) <> 0 OR sum(promises) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_actions');
    INSERT INTO agg_actions AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.day
    ON CONFLICT (day) DO UPDATE SET
        actions = a.actions + EXCLUDED.actions,
        contacts = a.contacts + EXCLUDED.contacts,
        promises = a.promises + EXCLUDED.promises;
    DELETE FROM agg_actions a USING unnest(delta) AS d WHERE a.day = d.day AND a.actions = 0;
END $$;

CREATE FUNCTION agg_agent_promises_apply(added agg_agent_promises[], removed agg_agent_promises[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    delta agg_agent_promises[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_agent_promises ORDER BY d.month, d.agent_id, d.status) INTO delta
    FROM (
        SELECT month, agent_id, status, sum(promises)::bigint AS promises
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT month, agent_id, status, -promises FROM unnest(removed)) AS c
        GROUP BY month, agent_id, status
        HAVING sum(promises) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_agent_promises');
    INSERT INTO agg_agent_promises AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.month, d.agent_id, d.status
    ON CONFLICT (month, agent_id, status) DO UPDATE SET promises = a.promises + EXCLUDED.promises;
    DELETE FROM agg_agent_promises a USING unnest(delta) AS d
    WHERE a.month = d.month AND a.agent_id = d.agent_id AND a.status = d.status AND a.promises = 0;
END $$;

-- The action's figures per agent and day, then the day's for everyone (locks in alphabetical order).
CREATE FUNCTION agg_actions_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added agg_agent_actions[] := '{}';
    removed agg_agent_actions[] := '{}';
    zone text := (SELECT time_zone FROM dashboard_settings);
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_agent_actions), '{}') INTO added
        FROM (SELECT (at AT TIME ZONE zone)::date, agent_id, count(*),
                     count(*) FILTER (WHERE result = ANY (dashboard_right_party_results())),
                     count(*) FILTER (WHERE result = 'PROMISE_TO_PAY')
              FROM new_rows GROUP BY 1, 2) AS g;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_agent_actions), '{}') INTO removed
        FROM (SELECT (at AT TIME ZONE zone)::date, agent_id, count(*),
                     count(*) FILTER (WHERE result = ANY (dashboard_right_party_results())),
                     count(*) FILTER (WHERE result = 'PROMISE_TO_PAY')
              FROM old_rows GROUP BY 1, 2) AS g;
    END IF;
    PERFORM agg_actions_apply(
        ARRAY(SELECT ROW(day, actions, contacts, promises)::agg_actions FROM unnest(added)),
        ARRAY(SELECT ROW(day, actions, contacts, promises)::agg_actions FROM unnest(removed)));
    PERFORM agg_agent_actions_apply(added, removed);
    RETURN NULL;
END $$;

CREATE FUNCTION agg_agent_promises_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added agg_agent_promises[] := '{}';
    removed agg_agent_promises[] := '{}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_agent_promises), '{}') INTO added
        FROM (SELECT date_trunc('month', made_on)::date, agent_id, status, count(*) FROM new_rows
              WHERE agent_id IS NOT NULL GROUP BY 1, 2, 3) AS g;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_agent_promises), '{}') INTO removed
        FROM (SELECT date_trunc('month', made_on)::date, agent_id, status, count(*) FROM old_rows
              WHERE agent_id IS NOT NULL GROUP BY 1, 2, 3) AS g;
    END IF;
    PERFORM agg_agent_promises_apply(added, removed);
    RETURN NULL;
END $$;

CREATE TRIGGER agg_inserted AFTER INSERT ON actions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_actions_changed();
CREATE TRIGGER agg_updated AFTER UPDATE ON actions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_actions_changed();
CREATE TRIGGER agg_deleted AFTER DELETE ON actions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_actions_changed();
CREATE TRIGGER agg_truncated AFTER TRUNCATE ON actions
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_actions');
CREATE TRIGGER agg_truncated_per_agent AFTER TRUNCATE ON actions
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_agent_actions');

-- promises already has migration 0013's triggers (named agg_*): these are its second set.
CREATE TRIGGER agg_agent_inserted AFTER INSERT ON promises REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_promises_changed();
CREATE TRIGGER agg_agent_updated AFTER UPDATE ON promises
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_promises_changed();
CREATE TRIGGER agg_agent_deleted AFTER DELETE ON promises REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_promises_changed();
CREATE TRIGGER agg_agent_truncated AFTER TRUNCATE ON promises
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_agent_promises');

-- Every aggregate recomputed from its base table (migration 0013's and these), under the triggers' locks
-- taken in alphabetical order.
CREATE OR REPLACE FUNCTION rebuild_dashboard_aggregates() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    zone text := (SELECT time_zone FROM dashboard_settings);
BEGIN
    PERFORM agg_lock('agg_actions');
    PERFORM agg_lock('agg_agent_actions');
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

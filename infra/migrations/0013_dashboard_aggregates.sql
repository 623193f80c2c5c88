-- The portfolio dashboard's figures, kept current by the database itself: every statement that changes a
-- base table adjusts the aggregates by the delta of the rows it changed (statement-level triggers with
-- transition tables), so a read is a handful of small indexed lookups instead of a scan of every loan.
--
-- * one aggregated upsert per statement, whatever the batch size; a statement that changes nothing (an
--   idempotent re-upsert of equal rows) nets to an empty delta and touches no aggregate row;
-- * INSERT … ON CONFLICT DO UPDATE fires both the INSERT (inserted rows) and the UPDATE (old and new
--   versions of updated rows) statement triggers, so either way every row is counted exactly once;
-- * writers serialise per aggregate on a transaction-scoped advisory lock taken just before the upsert, and
--   the upsert itself locks its rows in key order. The lock is needed because one upsert statement fires
--   two triggers (two separately sorted passes over the same aggregate), which could otherwise lock rows in
--   crossing orders in two concurrent transactions and deadlock. A transaction that changes two base
--   tables takes their aggregates' locks in alphabetical order of the aggregates (the delinquency sink:
--   loan_delinquency → agg_buckets, then delinquency_transitions → agg_transitions), as the rebuild does;
-- * TRUNCATE of a base table empties its aggregate; rebuild_dashboard_aggregates() recomputes every
--   aggregate from the base tables (after a replay, and in tests to prove the triggers right).
-- Aggregate rows whose counts fall to zero are deleted, so the triggers' tables equal a rebuild row for row.

-- The time zone whose calendar dates "collected today" counts payments by (paid_at is a timestamptz: the
-- offset it was sent with is gone). Change it with UPDATE, then SELECT rebuild_dashboard_aggregates().
CREATE TABLE dashboard_settings (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    time_zone text NOT NULL DEFAULT 'UTC'
);
INSERT INTO dashboard_settings DEFAULT VALUES;

-- Loans per bucket and currency, from loan_delinquency as the delinquency processor last wrote each loan
-- (its date tick rewrites every loan whose bucket or overdue amount changes, so the stored bucket is the
-- loan's bucket on the business date the processor has reached).
CREATE TABLE agg_buckets (
    bucket      text NOT NULL,
    currency    char(3) NOT NULL,
    accounts    bigint NOT NULL,
    overdue     numeric NOT NULL,
    outstanding numeric NOT NULL,
    PRIMARY KEY (bucket, currency)
);

-- Money collected per calendar day of paid_at (in dashboard_settings.time_zone) and currency: COMPLETED
-- payments add, REVERSED ones (a reversal is a payment row of its own) subtract, on their own day.
CREATE TABLE agg_collected (
    day       date NOT NULL,
    currency  char(3) NOT NULL,
    amount    numeric NOT NULL,
    payments  bigint NOT NULL,          -- COMPLETED rows
    reversals bigint NOT NULL,          -- REVERSED rows
    PRIMARY KEY (day, currency)
);

-- Promises per day they were made and current status.
CREATE TABLE agg_promises (
    made_on  date NOT NULL,
    status   text NOT NULL,
    promises bigint NOT NULL,
    PRIMARY KEY (made_on, status)
);

-- Bucket transitions per business date, kind and buckets (roll and cure rates).
CREATE TABLE agg_transitions (
    business_date date NOT NULL,
    kind          text NOT NULL,
    from_bucket   text NOT NULL,
    to_bucket     text NOT NULL,
    accounts      bigint NOT NULL,
    PRIMARY KEY (business_date, kind, from_bucket, to_bucket)
);

-- Customers each agent currently holds (current rows of agent_assignments, CALL and FIELD alike).
CREATE TABLE agg_agent_workload (
    agent_id text PRIMARY KEY,
    assigned bigint NOT NULL
);

-- One advisory lock per aggregate and schema (tests and sandboxes run side by side in other schemas).
CREATE FUNCTION agg_lock(aggregate text) RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(7310043, hashtext(current_schema() || '.' || aggregate))
$$;

-- Apply functions: net the added and removed contributions per key, then (only when something is left)
-- lock, upsert in key order, and delete the rows whose counts reached zero.

CREATE FUNCTION agg_buckets_apply(added agg_buckets[], removed agg_buckets[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    delta agg_buckets[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_buckets ORDER BY d.bucket, d.currency) INTO delta
    FROM (
        SELECT bucket, currency, sum(accounts)::bigint AS accounts, sum(overdue) AS overdue,
               sum(outstanding) AS outstanding
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT bucket, currency, -accounts, -overdue, -outstanding FROM unnest(removed)) AS c
        GROUP BY bucket, currency
        HAVING sum(accounts) <> 0 OR sum(overdue) <> 0 OR sum(outstanding) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_buckets');
    INSERT INTO agg_buckets AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.bucket, d.currency
    ON CONFLICT (bucket, currency) DO UPDATE SET
        accounts = a.accounts + EXCLUDED.accounts,
        overdue = a.overdue + EXCLUDED.overdue,
        outstanding = a.outstanding + EXCLUDED.outstanding;
    DELETE FROM agg_buckets a USING unnest(delta) AS d
    WHERE a.bucket = d.bucket AND a.currency = d.currency AND a.accounts = 0;
END $$;

CREATE FUNCTION agg_collected_apply(added agg_collected[], removed agg_collected[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    delta agg_collected[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_collected ORDER BY d.day, d.currency) INTO delta
    FROM (
        SELECT day, currency, sum(amount) AS amount, sum(payments)::bigint AS payments,
               sum(reversals)::bigint AS reversals
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT day, currency, -amount, -payments, -reversals FROM unnest(removed)) AS c
        GROUP BY day, currency
        HAVING sum(amount) <> 0 OR sum(payments) <> 0 OR sum(reversals) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_collected');
    INSERT INTO agg_collected AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.day, d.currency
    ON CONFLICT (day, currency) DO UPDATE SET
        amount = a.amount + EXCLUDED.amount,
        payments = a.payments + EXCLUDED.payments,
        reversals = a.reversals + EXCLUDED.reversals;
    DELETE FROM agg_collected a USING unnest(delta) AS d
    WHERE a.day = d.day AND a.currency = d.currency AND a.payments = 0 AND a.reversals = 0;
END $$;

CREATE FUNCTION agg_promises_apply(added agg_promises[], removed agg_promises[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    delta agg_promises[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_promises ORDER BY d.made_on, d.status) INTO delta
    FROM (
        SELECT made_on, status, sum(promises)::bigint AS promises
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT made_on, status, -promises FROM unnest(removed)) AS c
        GROUP BY made_on, status
        HAVING sum(promises) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_promises');
    INSERT INTO agg_promises AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.made_on, d.status
    ON CONFLICT (made_on, status) DO UPDATE SET promises = a.promises + EXCLUDED.promises;
    DELETE FROM agg_promises a USING unnest(delta) AS d
    WHERE a.made_on = d.made_on AND a.status = d.status AND a.promises = 0;
END $$;

CREATE FUNCTION agg_transitions_apply(added agg_transitions[], removed agg_transitions[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    delta agg_transitions[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_transitions ORDER BY d.business_date, d.kind, d.from_bucket, d.to_bucket)
    INTO delta
    FROM (
        SELECT business_date, kind, from_bucket, to_bucket, sum(accounts)::bigint AS accounts
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT business_date, kind, from_bucket, to_bucket, -accounts FROM unnest(removed)) AS c
        GROUP BY business_date, kind, from_bucket, to_bucket
        HAVING sum(accounts) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_transitions');
    INSERT INTO agg_transitions AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.business_date, d.kind, d.from_bucket, d.to_bucket
    ON CONFLICT (business_date, kind, from_bucket, to_bucket) DO UPDATE SET
        accounts = a.accounts + EXCLUDED.accounts;
    DELETE FROM agg_transitions a USING unnest(delta) AS d
    WHERE (a.business_date, a.kind, a.from_bucket, a.to_bucket)
          = (d.business_date, d.kind, d.from_bucket, d.to_bucket)
      AND a.accounts = 0;
END $$;

CREATE FUNCTION agg_agent_workload_apply(added agg_agent_workload[], removed agg_agent_workload[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    delta agg_agent_workload[];
BEGIN
    SELECT array_agg(ROW(d.*)::agg_agent_workload ORDER BY d.agent_id) INTO delta
    FROM (
        SELECT agent_id, sum(assigned)::bigint AS assigned
        FROM (SELECT * FROM unnest(added)
              UNION ALL
              SELECT agent_id, -assigned FROM unnest(removed)) AS c
        GROUP BY agent_id
        HAVING sum(assigned) <> 0
    ) AS d;
    IF delta IS NULL THEN
        RETURN;
    END IF;
    PERFORM agg_lock('agg_agent_workload');
    INSERT INTO agg_agent_workload AS a
    SELECT * FROM unnest(delta) AS d ORDER BY d.agent_id
    ON CONFLICT (agent_id) DO UPDATE SET assigned = a.assigned + EXCLUDED.assigned;
    DELETE FROM agg_agent_workload a USING unnest(delta) AS d
    WHERE a.agent_id = d.agent_id AND a.assigned = 0;
END $$;

-- Trigger functions: one per base table, shared by its INSERT (new_rows), UPDATE (old_rows and new_rows)
-- and DELETE (old_rows) triggers; each groups the changed rows by aggregate key before applying them. They
-- run with the search_path of this migration, so a write to this schema's tables from a session that names
-- them with their schema still adjusts this schema's aggregates.

CREATE FUNCTION agg_loan_delinquency_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added agg_buckets[] := '{}';
    removed agg_buckets[] := '{}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_buckets), '{}') INTO added
        FROM (SELECT bucket, currency, count(*), sum(overdue_amount), sum(outstanding)
              FROM new_rows GROUP BY bucket, currency) AS g;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_buckets), '{}') INTO removed
        FROM (SELECT bucket, currency, count(*), sum(overdue_amount), sum(outstanding)
              FROM old_rows GROUP BY bucket, currency) AS g;
    END IF;
    PERFORM agg_buckets_apply(added, removed);
    RETURN NULL;
END $$;

CREATE FUNCTION agg_payments_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added agg_collected[] := '{}';
    removed agg_collected[] := '{}';
    zone text := (SELECT time_zone FROM dashboard_settings);
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_collected), '{}') INTO added
        FROM (SELECT (paid_at AT TIME ZONE zone)::date, currency,
                     sum(CASE status WHEN 'COMPLETED' THEN amount ELSE -amount END),
                     count(*) FILTER (WHERE status = 'COMPLETED'), count(*) FILTER (WHERE status = 'REVERSED')
              FROM new_rows WHERE status IN ('COMPLETED', 'REVERSED') GROUP BY 1, 2) AS g;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_collected), '{}') INTO removed
        FROM (SELECT (paid_at AT TIME ZONE zone)::date, currency,
                     sum(CASE status WHEN 'COMPLETED' THEN amount ELSE -amount END),
                     count(*) FILTER (WHERE status = 'COMPLETED'), count(*) FILTER (WHERE status = 'REVERSED')
              FROM old_rows WHERE status IN ('COMPLETED', 'REVERSED') GROUP BY 1, 2) AS g;
    END IF;
    PERFORM agg_collected_apply(added, removed);
    RETURN NULL;
END $$;

CREATE FUNCTION agg_promises_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added agg_promises[] := '{}';
    removed agg_promises[] := '{}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_promises), '{}') INTO added
        FROM (SELECT made_on, status, count(*) FROM new_rows GROUP BY made_on, status) AS g;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_promises), '{}') INTO removed
        FROM (SELECT made_on, status, count(*) FROM old_rows GROUP BY made_on, status) AS g;
    END IF;
    PERFORM agg_promises_apply(added, removed);
    RETURN NULL;
END $$;

CREATE FUNCTION agg_transitions_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added agg_transitions[] := '{}';
    removed agg_transitions[] := '{}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_transitions), '{}') INTO added
        FROM (SELECT business_date, kind, from_bucket, to_bucket, count(*)
              FROM new_rows GROUP BY 1, 2, 3, 4) AS g;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_transitions), '{}') INTO removed
        FROM (SELECT business_date, kind, from_bucket, to_bucket, count(*)
              FROM old_rows GROUP BY 1, 2, 3, 4) AS g;
    END IF;
    PERFORM agg_transitions_apply(added, removed);
    RETURN NULL;
END $$;

CREATE FUNCTION agg_agent_assignments_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added agg_agent_workload[] := '{}';
    removed agg_agent_workload[] := '{}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_agent_workload), '{}') INTO added
        FROM (SELECT agent_id, count(*) FROM new_rows
              WHERE valid_to IS NULL AND agent_id IS NOT NULL GROUP BY agent_id) AS g;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT coalesce(array_agg(ROW(g.*)::agg_agent_workload), '{}') INTO removed
        FROM (SELECT agent_id, count(*) FROM old_rows
              WHERE valid_to IS NULL AND agent_id IS NOT NULL GROUP BY agent_id) AS g;
    END IF;
    PERFORM agg_agent_workload_apply(added, removed);
    RETURN NULL;
END $$;

-- TRUNCATE of a base table empties its aggregate (TG_ARGV[0]).
CREATE FUNCTION agg_base_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM agg_lock(TG_ARGV[0]);
    EXECUTE format('DELETE FROM %I', TG_ARGV[0]);
    RETURN NULL;
END $$;

CREATE TRIGGER agg_inserted AFTER INSERT ON loan_delinquency REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_loan_delinquency_changed();
CREATE TRIGGER agg_updated AFTER UPDATE ON loan_delinquency
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_loan_delinquency_changed();
CREATE TRIGGER agg_deleted AFTER DELETE ON loan_delinquency REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_loan_delinquency_changed();
CREATE TRIGGER agg_truncated AFTER TRUNCATE ON loan_delinquency
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_buckets');

CREATE TRIGGER agg_inserted AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_payments_changed();
CREATE TRIGGER agg_updated AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_payments_changed();
CREATE TRIGGER agg_deleted AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_payments_changed();
CREATE TRIGGER agg_truncated AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_collected');

CREATE TRIGGER agg_inserted AFTER INSERT ON promises REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_promises_changed();
CREATE TRIGGER agg_updated AFTER UPDATE ON promises
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_promises_changed();
CREATE TRIGGER agg_deleted AFTER DELETE ON promises REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_promises_changed();
CREATE TRIGGER agg_truncated AFTER TRUNCATE ON promises
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_promises');

CREATE TRIGGER agg_inserted AFTER INSERT ON delinquency_transitions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_transitions_changed();
CREATE TRIGGER agg_updated AFTER UPDATE ON delinquency_transitions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_transitions_changed();
CREATE TRIGGER agg_deleted AFTER DELETE ON delinquency_transitions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_transitions_changed();
CREATE TRIGGER agg_truncated AFTER TRUNCATE ON delinquency_transitions
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_transitions');

CREATE TRIGGER agg_inserted AFTER INSERT ON agent_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_assignments_changed();
CREATE TRIGGER agg_updated AFTER UPDATE ON agent_assignments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_assignments_changed();
CREATE TRIGGER agg_deleted AFTER DELETE ON agent_assignments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_agent_assignments_changed();
CREATE TRIGGER agg_truncated AFTER TRUNCATE ON agent_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION agg_base_truncated('agg_agent_workload');

-- Every aggregate recomputed from its base table, under the same locks as the triggers (taken in
-- alphabetical order), so that writers running meanwhile apply their deltas before or after, never lost.
CREATE FUNCTION rebuild_dashboard_aggregates() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    zone text := (SELECT time_zone FROM dashboard_settings);
BEGIN
    PERFORM agg_lock('agg_agent_workload');
    PERFORM agg_lock('agg_buckets');
    PERFORM agg_lock('agg_collected');
    PERFORM agg_lock('agg_promises');
    PERFORM agg_lock('agg_transitions');

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

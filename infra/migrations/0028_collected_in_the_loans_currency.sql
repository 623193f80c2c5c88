-- Collected money as the ledger counts it: a payment in another currency than its loan's is dead-lettered
-- by the delinquency processor (`domain.ledger`: `CurrencyMismatch`, or `in_other_currency` when the loan
-- arrives after the payment) and pays nothing, yet the `payments` table holds it as the bank sent it, and
-- migrations 0013 and 0016 counted it as collected in its own currency (a USD line on a VND portfolio).
--
-- * agg_collected counts a payment unless its loan is known in another currency (a payment whose loan has
--   not arrived yet counts, as the ledger records it; when the loan arrives in another currency it leaves).
-- * agg_agent_collected counts a payment only in its loan's currency (it needs the loan already, for the
--   customer).
--
-- agg_collected now reads two base tables, so its triggers follow 0016's rule: the aggregate's advisory lock
-- is taken before the other table is read (a payment and its loan written at the same moment by two sinks
-- are decided once, by whichever commits second). On `loans` they are named agg_collected_*, after 0016's
-- agg_agent_collected_*, keeping the alphabetical lock order. A loan re-upserted in the same currency (the
-- entities sink's daily balances) changes nothing and takes no lock.

-- ---- agg_collected ------------------------------------------------------------------------------------

-- What `changed` payments bring agg_collected: those in their loan's currency or of no known loan.
CREATE FUNCTION agg_collected_of_payments(changed payments[]) RETURNS agg_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, p.currency,
                 sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(changed) AS p
          WHERE NOT EXISTS (SELECT 1 FROM loans l
                            WHERE l.account_number = p.account_number AND l.currency <> p.currency)
          GROUP BY 1, 2) AS g
$$;

CREATE OR REPLACE FUNCTION agg_payments_changed() RETURNS trigger
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
    PERFORM agg_lock('agg_collected');  -- before reading loans (see the top)
    PERFORM agg_collected_apply(agg_collected_of_payments(arrived), agg_collected_of_payments(gone));
    RETURN NULL;
END $$;

-- The payments of `accounts` that count while each account's loan is in `counting` and did not while it was
-- in `not_counting` (NULL: no loan, when every payment counts), per day and currency. Only an account that
-- had a loan can have had payments that did not count, so for a new loan one side reads no payment.
CREATE FUNCTION agg_collected_of_loans(accounts text[], counting text[], not_counting text[])
RETURNS agg_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, p.currency,
                 sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(accounts, counting, not_counting) AS m(account_number, counting, not_counting)
          JOIN payments p ON p.account_number = m.account_number
          WHERE m.not_counting IS NOT NULL AND p.currency <> m.not_counting
            AND (m.counting IS NULL OR p.currency = m.counting)
            AND p.status IN ('COMPLETED', 'REVERSED')
          GROUP BY 1, 2) AS g
$$;

-- Loans: a loan that appears, disappears or changes currency moves its payments in or out (`before` and
-- `after`: each changed account's currency, NULL where it had or has no loan).
CREATE FUNCTION agg_collected_loans_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    accounts text[] := '{}';
    before text[] := '{}';
    after text[] := '{}';
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(NULL::text), '{}'),
               coalesce(array_agg(currency::text), '{}')
        INTO accounts, before, after FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(currency::text), '{}'),
               coalesce(array_agg(NULL::text), '{}')
        INTO accounts, before, after FROM old_rows;
    ELSE
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(o.currency), '{}'),
               coalesce(array_agg(n.currency), '{}')
        INTO accounts, before, after
        FROM (SELECT account_number, currency::text FROM old_rows
              EXCEPT ALL SELECT account_number, currency::text FROM new_rows) AS o
        FULL JOIN (SELECT account_number, currency::text FROM new_rows
                   EXCEPT ALL SELECT account_number, currency::text FROM old_rows) AS n USING (account_number);
    END IF;
    IF cardinality(accounts) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM agg_lock('agg_collected');  -- before reading payments
    PERFORM agg_collected_apply(
        agg_collected_of_loans(accounts, after, before), agg_collected_of_loans(accounts, before, after));
    RETURN NULL;
END $$;

-- agg_collected as its base tables say now.
CREATE FUNCTION agg_collected_recomputed() RETURNS SETOF agg_collected
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, p.currency,
           sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
           count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
    FROM payments p
    WHERE p.status IN ('COMPLETED', 'REVERSED')
      AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.account_number = p.account_number AND l.currency <> p.currency)
    GROUP BY 1, 2
$$;

-- Emptying `loans` makes every payment one of no known loan: agg_collected is counted again.
CREATE FUNCTION agg_collected_loans_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM agg_lock('agg_collected');
    DELETE FROM agg_collected;
    INSERT INTO agg_collected SELECT * FROM agg_collected_recomputed();
    RETURN NULL;
END $$;

CREATE TRIGGER agg_collected_inserted AFTER INSERT ON loans REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_collected_loans_changed();
CREATE TRIGGER agg_collected_updated AFTER UPDATE ON loans
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_collected_loans_changed();
CREATE TRIGGER agg_collected_deleted AFTER DELETE ON loans REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agg_collected_loans_changed();
CREATE TRIGGER agg_collected_truncated AFTER TRUNCATE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION agg_collected_loans_truncated();

-- ---- agg_agent_collected: only in the loan's currency ------------------------------------------------

CREATE FUNCTION agg_agent_collected_of_loans(accounts text[], cifs text[], currencies text[])
RETURNS agg_agent_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_agent_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, a.agent_id,
                 p.currency, sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(accounts, cifs, currencies) AS m(account_number, cif, currency)
          JOIN payments p ON p.account_number = m.account_number AND p.currency = m.currency
          JOIN agent_assignments a ON a.cif = m.cif AND a.valid_to IS NULL AND a.agent_id IS NOT NULL
          WHERE p.status IN ('COMPLETED', 'REVERSED')
          GROUP BY 1, 2, 3) AS g
$$;

CREATE OR REPLACE FUNCTION agg_agent_collected_of_customers(cifs text[], agents text[])
RETURNS agg_agent_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_agent_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, m.agent_id,
                 p.currency, sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(cifs, agents) AS m(cif, agent_id)
          JOIN loans l ON l.cif = m.cif
          JOIN payments p ON p.account_number = l.account_number AND p.currency = l.currency
          WHERE p.status IN ('COMPLETED', 'REVERSED')
          GROUP BY 1, 2, 3) AS g
$$;

CREATE OR REPLACE FUNCTION agg_agent_collected_of_payments(changed payments[]) RETURNS agg_agent_collected[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(ROW(g.*)::agg_agent_collected), '{}')
    FROM (SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, a.agent_id,
                 p.currency, sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
                 count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
          FROM unnest(changed) AS p
          JOIN loans l ON l.account_number = p.account_number AND l.currency = p.currency
          JOIN agent_assignments a ON a.cif = l.cif AND a.valid_to IS NULL AND a.agent_id IS NOT NULL
          GROUP BY 1, 2, 3) AS g
$$;

-- A loan that appears, disappears, changes customer or changes currency takes its payments along.
CREATE OR REPLACE FUNCTION agg_agent_collected_loans_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    arrived_accounts text[] := '{}';
    arrived_cifs text[] := '{}';
    arrived_currencies text[] := '{}';
    left_accounts text[] := '{}';
    left_cifs text[] := '{}';
    left_currencies text[] := '{}';
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}'),
               coalesce(array_agg(currency::text), '{}')
        INTO arrived_accounts, arrived_cifs, arrived_currencies FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}'),
               coalesce(array_agg(currency::text), '{}')
        INTO left_accounts, left_cifs, left_currencies FROM old_rows;
    ELSE
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}'),
               coalesce(array_agg(currency), '{}')
        INTO arrived_accounts, arrived_cifs, arrived_currencies
        FROM (SELECT account_number, cif, currency::text FROM new_rows
              EXCEPT ALL SELECT account_number, cif, currency::text FROM old_rows) AS m;
        SELECT coalesce(array_agg(account_number), '{}'), coalesce(array_agg(cif), '{}'),
               coalesce(array_agg(currency), '{}')
        INTO left_accounts, left_cifs, left_currencies
        FROM (SELECT account_number, cif, currency::text FROM old_rows
              EXCEPT ALL SELECT account_number, cif, currency::text FROM new_rows) AS m;
    END IF;
    IF cardinality(arrived_accounts) = 0 AND cardinality(left_accounts) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM agg_lock('agg_agent_collected');  -- before reading payments and assignments
    PERFORM agg_agent_collected_apply(
        agg_agent_collected_of_loans(arrived_accounts, arrived_cifs, arrived_currencies),
        agg_agent_collected_of_loans(left_accounts, left_cifs, left_currencies));
    RETURN NULL;
END $$;

DROP FUNCTION agg_agent_collected_of_accounts(text[], text[]);

CREATE OR REPLACE FUNCTION agg_agent_collected_recomputed() RETURNS SETOF agg_agent_collected
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT (p.paid_at AT TIME ZONE (SELECT time_zone FROM dashboard_settings))::date, a.agent_id, p.currency,
           sum(CASE p.status WHEN 'COMPLETED' THEN p.amount ELSE -p.amount END),
           count(*) FILTER (WHERE p.status = 'COMPLETED'), count(*) FILTER (WHERE p.status = 'REVERSED')
    FROM payments p
    JOIN loans l ON l.account_number = p.account_number AND l.currency = p.currency
    JOIN agent_assignments a ON a.cif = l.cif AND a.valid_to IS NULL AND a.agent_id IS NOT NULL
    WHERE p.status IN ('COMPLETED', 'REVERSED')
    GROUP BY 1, 2, 3
$$;

-- ---- the rebuild: 0016's, then agg_collected from its function -----------------------------------------

-- 0016's rebuild takes every aggregate's lock (held until commit) and recomputes them all, agg_agent_collected
-- already by the function above; agg_collected it counts from payments alone, so it is counted again here,
-- in the same transaction.
ALTER FUNCTION rebuild_dashboard_aggregates() RENAME TO rebuild_dashboard_aggregates_0016;

CREATE FUNCTION rebuild_dashboard_aggregates() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM rebuild_dashboard_aggregates_0016();
    DELETE FROM agg_collected;
    INSERT INTO agg_collected SELECT * FROM agg_collected_recomputed();
END $$;

SELECT rebuild_dashboard_aggregates();

-- Recording an action with a promise also reads the currencies the promise is in (api/services/actions.py):
-- the named loan's, or, when the promise names no loan, those of all the customer's loans. The API then
-- refuses an amount finer than the currency is paid in (a fraction of a dong), as POST /api/payments does,
-- and a promise over loans in several currencies that names none (its payments could not be summed).
--
-- 0018's function with one more parameter and one more column, read after the lock like the rest; a
-- function's result type cannot change in place, so it is dropped and created again (one transaction: no
-- caller sees it missing).

DROP FUNCTION action_checks(text, text, text, timestamptz, timestamptz, boolean, text, text);

CREATE FUNCTION action_checks(
    checked_action_id text,
    checked_cif text,
    checked_account text,         -- NULL: the action names no loan
    recent_since timestamptz,     -- NULL: no recent actions wanted (not an outbound call)
    recent_until timestamptz,
    see_everything boolean,
    see_agent text,
    see_team text,
    with_promise boolean          -- false: no currencies wanted (the action makes no promise)
) RETURNS TABLE (
    accepted_value jsonb,         -- NULL unless this action id was accepted already
    accepted_at timestamptz,
    customer_known boolean,
    customer_timezone text,
    loan_of_customer boolean,     -- true when the action names no loan
    customer_visible boolean,
    recent jsonb[],               -- newest first, at most 200
    promise_currencies text[]     -- sorted; empty without a promise or without loans
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('action:' || checked_cif, 0));
    RETURN QUERY
    SELECT accepted.value, accepted.accepted_at, c.cif IS NOT NULL, c.timezone,
           checked_account IS NULL OR EXISTS
               (SELECT 1 FROM loans l WHERE l.account_number = checked_account AND l.cif = checked_cif),
           see_everything OR EXISTS (
               SELECT 1 FROM agent_assignments a
               WHERE a.cif = c.cif AND a.valid_to IS NULL AND (a.agent_id = see_agent OR a.team = see_team)),
           ARRAY(SELECT r.value FROM accepted_actions r
                 WHERE recent_since IS NOT NULL AND r.cif = checked_cif
                   AND r.at BETWEEN recent_since AND recent_until
                 ORDER BY r.at DESC LIMIT 200),
           ARRAY(SELECT DISTINCT l.currency::text FROM loans l
                 WHERE with_promise AND l.cif = checked_cif
                   AND (checked_account IS NULL OR l.account_number = checked_account)
                 ORDER BY 1)
    FROM (SELECT) AS one
    LEFT JOIN accepted_actions accepted ON accepted.action_id = checked_action_id
    LEFT JOIN customers c ON c.cif = checked_cif;
END
$$;

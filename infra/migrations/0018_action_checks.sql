-- What recording an action reads under the customer's lock, as one function (api/queries/actions.py): the
-- lock, then this action id's accepted row, the customer's zone and whether the caller may see them, whether
-- the account is the customer's loan, and the customer's recent accepted actions. As a multi-statement
-- query these were parsed and planned at every recorded action, about half of PostgreSQL's CPU for one; a
-- PL/pgSQL function keeps its statements' plans for the session.
--
-- The lock is taken first and held until the caller's transaction ends (the caller has begun one), so that
-- two actions for one customer posted at once are checked one after the other. In READ COMMITTED each query
-- of a volatile function takes a fresh snapshot, so the reads after the lock see what an earlier holder
-- committed.
--
-- `visible` is the rule of api/visibility.py's CUSTOMER_VISIBLE, written out here (a function body cannot
-- take that SQL fragment); tests/integration/test_api_actions.py checks that the two agree.
CREATE FUNCTION action_checks(
    checked_action_id text,
    checked_cif text,
    checked_account text,         -- NULL: the action names no loan
    recent_since timestamptz,     -- NULL: no recent actions wanted (not an outbound call)
    recent_until timestamptz,
    see_everything boolean,
    see_agent text,
    see_team text
) RETURNS TABLE (
    accepted_value jsonb,         -- NULL unless this action id was accepted already
    accepted_at timestamptz,
    customer_known boolean,
    customer_timezone text,
    loan_of_customer boolean,     -- true when the action names no loan
    customer_visible boolean,
    recent jsonb[]                -- newest first, at most 200
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
                 ORDER BY r.at DESC LIMIT 200)
    FROM (SELECT) AS one
    LEFT JOIN accepted_actions accepted ON accepted.action_id = checked_action_id
    LEFT JOIN customers c ON c.cif = checked_cif;
END
$$;

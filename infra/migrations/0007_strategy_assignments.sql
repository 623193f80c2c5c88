-- Each customer's current campaigns (one per strategy group that matched), as the strategy processor last
-- decided them; an empty list means the customer is in no campaign.
CREATE TABLE strategy_assignments (
    cif              text PRIMARY KEY,
    strategy_id      text NOT NULL,
    strategy_version integer NOT NULL,
    business_date    date,
    campaign_ids     text[] NOT NULL,
    campaigns        jsonb NOT NULL,     -- group, campaign, reason, matched loan, selected contacts
    delinquent       boolean NOT NULL
);
-- "Who is in campaign X" and "how many customers does each campaign hold"
CREATE INDEX strategy_assignments_campaigns_idx ON strategy_assignments USING gin (campaign_ids);
CREATE INDEX strategy_assignments_version_idx ON strategy_assignments (strategy_id, strategy_version);

-- The business date the book has reached is max(business_date) of the loans' rows: an index makes it one
-- lookup, so reads can derive today's DPD (business date − oldest unpaid due date) without a scan.
CREATE INDEX loan_delinquency_business_date_idx ON loan_delinquency (business_date);

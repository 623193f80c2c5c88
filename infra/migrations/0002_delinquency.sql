-- Delinquency state per loan, as last emitted by the delinquency processor (one row per loan).
-- DPD grows by a day every business day without an event: read it as
-- business date - oldest_unpaid_due (the `dpd` column is the value when the row was written).
CREATE TABLE loan_delinquency (
    account_number    text PRIMARY KEY,
    cif               text NOT NULL,
    currency          char(3) NOT NULL,
    business_date     date NOT NULL,
    dpd               integer NOT NULL,
    bucket            text NOT NULL,
    overdue_amount    numeric NOT NULL,
    outstanding       numeric NOT NULL,
    oldest_unpaid_due date,
    next_event        date,
    revision          bigint NOT NULL
);
CREATE INDEX loan_delinquency_cif_idx ON loan_delinquency (cif);
CREATE INDEX loan_delinquency_bucket_idx ON loan_delinquency (bucket);

-- Bucket transitions history: entry, roll-forward, roll-back, cure.
CREATE TABLE delinquency_transitions (
    account_number text NOT NULL,
    revision       bigint NOT NULL,
    cif            text NOT NULL,
    business_date  date NOT NULL,
    from_bucket    text NOT NULL,
    to_bucket      text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('ENTRY', 'ROLL_FORWARD', 'ROLL_BACK', 'CURE')),
    dpd            integer NOT NULL,
    PRIMARY KEY (account_number, revision)
);
CREATE INDEX delinquency_transitions_date_idx ON delinquency_transitions (business_date, kind);

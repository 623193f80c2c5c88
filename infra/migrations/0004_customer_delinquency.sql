-- Each customer's delinquency: the worst of their loans; amounts summed per currency ({"VND": "1250.00"}).
CREATE TABLE customer_delinquency (
    cif               text PRIMARY KEY,
    business_date     date NOT NULL,
    max_dpd           integer NOT NULL,
    bucket            text NOT NULL,
    overdue_total     jsonb NOT NULL,
    outstanding_total jsonb NOT NULL,
    oldest_unpaid_due date,
    loans             integer NOT NULL,
    loans_delinquent  integer NOT NULL,
    revision          bigint NOT NULL
);
CREATE INDEX customer_delinquency_bucket_idx ON customer_delinquency (bucket);

-- Bank-sourced entities as received on the inbound topics (read-only in the CRM).
-- Money is unconstrained numeric: exact, never float, never rounded to a fixed scale.
-- Every row keeps its source system.

CREATE TABLE customers (
    cif                 text PRIMARY KEY,
    type                text NOT NULL CHECK (type IN ('INDIVIDUAL', 'ORGANIZATION')),
    name                text NOT NULL,
    national_id         text,
    company_name        text,
    registration_number text,
    tax_id              text,
    date_of_birth       date,
    segment             text NOT NULL,
    status              text NOT NULL,
    phones              jsonb NOT NULL DEFAULT '[]',
    emails              jsonb NOT NULL DEFAULT '[]',
    addresses           jsonb NOT NULL DEFAULT '[]',
    "references"        jsonb NOT NULL DEFAULT '[]',
    timezone            text,
    source_system       text NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX customers_national_id_idx ON customers (national_id) WHERE national_id IS NOT NULL;

CREATE TABLE loans (
    account_number    text PRIMARY KEY,
    cif               text NOT NULL,
    product_type      text NOT NULL
        CHECK (product_type IN ('PERSONAL_LOAN', 'MORTGAGE', 'AUTO_LOAN', 'CREDIT_CARD', 'OVERDRAFT')),
    currency          char(3) NOT NULL,
    original_amount   numeric NOT NULL,
    outstanding       numeric NOT NULL,
    disbursement_date date NOT NULL,
    maturity_date     date NOT NULL,
    interest_rate     numeric(9, 4) NOT NULL,
    term_months       integer NOT NULL,
    status            text NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    custom_fields     jsonb NOT NULL DEFAULT '{}',
    source_system     text NOT NULL,
    as_of             timestamptz NOT NULL
);
CREATE INDEX loans_cif_idx ON loans (cif);

CREATE TABLE installments (
    account_number text NOT NULL REFERENCES loans (account_number) ON DELETE CASCADE,
    due_date       date NOT NULL,
    principal      numeric NOT NULL,
    interest       numeric NOT NULL,
    fees           numeric NOT NULL,
    penalty        numeric NOT NULL,
    paid           numeric NOT NULL,
    PRIMARY KEY (account_number, due_date)
);

CREATE TABLE collaterals (
    collateral_number text PRIMARY KEY,
    cif               text NOT NULL,
    type              text NOT NULL,
    value             numeric NOT NULL,
    currency          char(3) NOT NULL,
    valuation_date    date NOT NULL,
    details           jsonb NOT NULL DEFAULT '{}',
    source_system     text NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX collaterals_cif_idx ON collaterals (cif);

-- Many-to-many: one collateral can secure several loans and a loan can have several collaterals.
CREATE TABLE collateral_loans (
    collateral_number text NOT NULL REFERENCES collaterals (collateral_number) ON DELETE CASCADE,
    account_number    text NOT NULL,
    PRIMARY KEY (collateral_number, account_number)
);
CREATE INDEX collateral_loans_account_idx ON collateral_loans (account_number);

CREATE TABLE payments (
    reference_number text PRIMARY KEY,
    account_number   text NOT NULL,
    amount           numeric NOT NULL CHECK (amount > 0),
    currency         char(3) NOT NULL,
    paid_at          timestamptz NOT NULL,
    method           text NOT NULL,
    status           text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'REVERSED')),
    reverses         text
);
CREATE INDEX payments_account_paid_at_idx ON payments (account_number, paid_at);

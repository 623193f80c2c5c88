-- A loan's installments no longer reference the loan through a foreign key. The entities sink writes a loan
-- and its schedule in one transaction and nothing deletes loans, so the key guarded nothing, while checking it
-- (an index lookup and a row lock on the loan for every installment) took about a third of a bulk load's
-- installment writes: at 500,000 customers, 22.4 million checks, in the stage that finishes last
-- (docs/benchmarks.md). An operator who deletes a loan by hand deletes its installments too.
ALTER TABLE installments DROP CONSTRAINT IF EXISTS installments_account_number_fkey;

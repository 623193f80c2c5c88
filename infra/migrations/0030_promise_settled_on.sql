-- The date each promise was kept or broken by the rules (`domain.promises.judged_on`: a kept one on the date
-- of the payment with which the payments reached its amount, a broken one on the first day after its date
-- plus grace; null while pending): the dashboard's "kept today" and "broken today" count the promises
-- judged on the business date, whatever day they were made (the aggregate of 0013 counts them by the day
-- made). Promises judged before this are dated by their last evaluation until their next change;
-- `crm replay -p promises` dates them exactly.
ALTER TABLE promises ADD COLUMN settled_on date;
UPDATE promises SET settled_on = evaluated_on WHERE status <> 'PENDING';
CREATE INDEX promises_settled_idx ON promises (settled_on, status) WHERE settled_on IS NOT NULL;

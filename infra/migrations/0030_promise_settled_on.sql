-- The business date each promise was judged kept or broken (null while pending): the dashboard's "kept
-- today" and "broken today" count the promises judged on the day, whatever day they were made (the
-- aggregate of 0013 counts them by the day made). Promises judged before this are dated by their last
-- evaluation, which is the day they were judged unless a later payment changed the amount paid toward
-- them; `crm replay -p promises` dates them exactly.
ALTER TABLE promises ADD COLUMN settled_on date;
UPDATE promises SET settled_on = evaluated_on WHERE status <> 'PENDING';
CREATE INDEX promises_settled_idx ON promises (settled_on, status) WHERE settled_on IS NOT NULL;

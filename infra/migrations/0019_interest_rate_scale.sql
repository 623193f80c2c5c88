-- A loan's interest rate keeps every decimal place its contract takes (`contracts.common.Rate`: up to 4
-- digits before the point and 6 after). numeric(9, 4) rounded 12.123456 to 12.1235 without a word.
ALTER TABLE loans ALTER COLUMN interest_rate TYPE numeric(10, 6);

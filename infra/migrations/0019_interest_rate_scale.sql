-- A loan's interest rate is kept exactly as the bank sent it, like money: its contract bounds it
-- (`contracts.common.Rate`: up to 4 digits before the point and 6 after), and numeric(9, 4) rounded
-- 12.123456 to 12.1235 without a word.
ALTER TABLE loans ALTER COLUMN interest_rate TYPE numeric;

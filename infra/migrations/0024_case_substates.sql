-- Where within its state a case is: a code of the case_substates dictionary (NULL: not set), kept beside the
-- state by PUT /api/cases/{cif}.
ALTER TABLE cases ADD COLUMN substate text;

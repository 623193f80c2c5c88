-- The calendar day of each action in the offset it was sent with (`at` keeps only the instant): the day the
-- agent and the customer lived it, which the queue counts a follow-up's completion by
-- (`processors.queues.contacts`); the case view now counts it the same way. Rows written before this have
-- none and are read as their UTC day (a replay of agent.actions fills them in).
ALTER TABLE actions ADD COLUMN day date;

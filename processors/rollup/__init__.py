"""Customer roll-up: each customer's delinquency is the worst of their loans (`delinquency.customers`)."""

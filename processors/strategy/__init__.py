"""Strategy (campaign) assignment: every customer in the first matching campaign of each strategy group."""

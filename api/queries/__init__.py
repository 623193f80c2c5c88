"""SQL, one module per resource: reads (and the writes services compose into transactions)."""

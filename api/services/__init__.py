"""Writes: each one a transaction that stores, audits and publishes, committed only once Kafka confirmed."""

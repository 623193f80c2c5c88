"""Idempotent batching sinks: PostgreSQL, Redis, Elasticsearch. A re-delivered batch changes nothing."""

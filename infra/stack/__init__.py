"""The local stack: PostgreSQL, Redis, Kafka, Elasticsearch and Prometheus as plain processes, no Docker."""

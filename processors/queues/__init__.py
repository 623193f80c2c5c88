"""Agents' prioritized queues in Redis, contact compliance marked when read (docs/processors/queues.md)."""

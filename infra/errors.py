"""Errors of ``crm init`` and the infrastructure helpers it uses."""

from crm.errors import CrmError


class InfraError(CrmError):
    """A dependency (Kafka, PostgreSQL, Elasticsearch) is unreachable or in a state init cannot fix."""

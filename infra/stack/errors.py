"""Errors of the local stack: each names the service and, where one exists, its log file."""

from crm.errors import CrmError


class StackError(CrmError):
    """A service could not be installed, started, or did not become healthy."""

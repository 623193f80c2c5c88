"""`crm api`: serve the HTTP API (being built: see the issue tracker)."""

from crm.errors import CrmError


def api() -> None:
    """Serve the HTTP API and the web app on CRM_API_PORT."""
    raise CrmError("the HTTP API is not built yet")

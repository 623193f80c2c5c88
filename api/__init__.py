"""The HTTP API (FastAPI): ``api.app.create_app(settings)`` builds it; ``crm api`` serves it.

Layout, after full-stack-fastapi-template: ``deps.py`` typed dependencies, ``routes/`` one module per
resource, ``queries/`` the SQL, ``services/`` writes (store + audit + publish in one transaction),
``publishing.py`` confirmed produces to Kafka, wire schemas in ``contracts/``.
"""

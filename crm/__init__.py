"""Command line, settings and logging shared by every deployable of the collections CRM."""

"""Errors of the sinks, under one base."""


class SinkError(Exception):
    """A sink cannot write its batch for a reason retrying will not fix (e.g. a missing table)."""

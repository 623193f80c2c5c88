"""The base error of the command line: its message is shown as one line, never a traceback."""


class CrmError(Exception):
    """An expected failure with a message meant for the person at the terminal."""

    exit_code = 2

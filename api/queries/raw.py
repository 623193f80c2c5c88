"""Statements for psycopg's raw cursors (PostgreSQL's own ``$n`` placeholders).

psycopg parses a statement's ``%(name)s`` placeholders on every execution when the statement is over 4 KiB
(its parse cache skips long ones, as ORMs generate them by the thousand): for the customer 360 view, 50-80 µs
of the API's CPU per read. A long statement of our own is converted once, at import, and runs through a raw
cursor as it is; the server still prepares it after a few executions, as any other.
"""

from __future__ import annotations

import re

_NAMED = re.compile(r"%\((\w+)\)s")


def positional(query: str) -> tuple[str, tuple[str, ...]]:
    """``query`` with ``$n`` for its ``%(name)s`` placeholders (a name used twice is one number), and the
    names in ``$n`` order. Any other ``%`` (``%s``, ``%%``) is refused rather than guessed at."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    converted = _NAMED.sub(number, query)
    if "%" in converted:
        raise ValueError("only %(name)s placeholders can be made positional; the statement has another %")
    return converted, tuple(names)

"""The 409 a save based on an older version gets: one person's save never silently undoes another's."""

from __future__ import annotations

from api.errors import Conflict


def require_current(
    what: str, asked: int, current: int, saved_by: str | None, saved_at: str | None, plural: bool = False
) -> None:
    """Raise 409 unless ``asked`` (the version the save was based on) is ``current``; the message names who
    saved since and when (``saved_by`` None: never saved), and what to do. ``what``: "the case", "the
    contacts" (``plural``)."""
    if asked == current:
        return
    was, are, them = ("were", "they are", "them") if plural else ("was", "it is", "it")
    who = f" by {saved_by} at {saved_at}" if saved_by is not None else ""
    raise Conflict(
        f"{what} {was} saved{who} since version {asked} was read: {are} at version {current}; "
        f"read {them} again and redo the change"
    )

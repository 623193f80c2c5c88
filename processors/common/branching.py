"""Values that every branch of a stream receives as they are, not as copies.

Where one dataframe feeds two (a branch), Quix Streams hands the first branch the value and every other
branch a copy made by pickling it, in case a branch changes it. Branches that only read the value need no
copy, and pickling a parsed pydantic model for every message was about 6 % of the entities processor's time
(docs/benchmarks.md). A value wrapped in `Shared` pickles to a reference to itself: its "copy" is the same
object. Only for values that no branch mutates.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Shared:
    """``value``, passed to every branch of a stream uncopied (see the module's header)."""

    __slots__ = ("value",)
    # The framework loads a copy right after making it, in the same message's processing (one thread), so
    # the object being "copied" is always the last one pickled.
    _last: ClassVar[Shared | None] = None

    def __init__(self, value: Any) -> None:
        self.value = value

    def __reduce__(self):
        Shared._last = self
        return (_last_pickled, ())


def _last_pickled() -> Shared | None:
    return Shared._last

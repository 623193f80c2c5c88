"""`processors.common.branching.Shared`: both branches of a stream get the very object, not a copy."""

from __future__ import annotations

import pytest
from quixstreams.core.stream import Stream
from quixstreams.utils.pickle import pickle_copier

from processors.common.branching import Shared


def _seen_by_two_branches(value) -> list:
    """The objects each of two branches of a Quix Streams stream (what a dataframe used twice builds)
    received for ``value``."""
    root = Stream()
    parsed = root.add_apply(lambda _raw: value)
    seen = []
    for _ in range(2):
        parsed.add_apply(lambda v: seen.append(v) or v)
    for executor in root.compose(sink=lambda *_: None).values():
        executor(b"", b"key", 0, None)
    return seen


def test_both_branches_get_the_shared_object_itself():
    shared = Shared(("ok", {"a": [1, 2]}))
    first, second = _seen_by_two_branches(shared)
    assert first is shared and second is shared


def test_a_plain_value_is_copied_for_the_second_branch():
    plain = ("ok", {"a": [1, 2]})
    first, second = _seen_by_two_branches(plain)
    assert first is plain and second == plain and second is not plain


@pytest.mark.parametrize("count", [1, 3])
def test_each_copy_is_the_object_copied_last(count):
    for wrapper in [Shared(n) for n in range(count)]:
        assert pickle_copier(wrapper)() is wrapper

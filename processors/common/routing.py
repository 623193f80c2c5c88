"""Outputs that name their own topic and key, so one stream serves every output topic of a processor.

Quix Streams produces a stream's value to one topic per `to_topic`; routing a mixed stream through a filter
per topic costs every output one filter call per topic. A `Routed` value (a dict, serialised as one) carries
its logical topic and key instead, and a single dynamic `to_topic` sends it on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quixstreams.dataframe import StreamingDataFrame
    from quixstreams.models import Topic


class Routed(dict):
    """A record for ``topic`` (logical name) under ``key``; JSON-serialised as the plain dict."""

    __slots__ = ("key", "topic")

    def __init__(self, topic: str, key: str, record: dict) -> None:
        super().__init__(record)
        self.topic, self.key = topic, key


def route(outputs: StreamingDataFrame, topics: dict[str, Topic]) -> StreamingDataFrame:
    """Produce each `Routed` value of ``outputs`` to its topic, keyed by its key."""
    return outputs.to_topic(
        lambda value, _key, _ts, _headers: topics[value.topic], key=lambda value: value.key
    )

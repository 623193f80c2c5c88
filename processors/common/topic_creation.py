"""Waiting until a topic the framework has just created shows in the broker's metadata.

The framework creates a changelog or repartition topic and reads it back at once; on a busy broker the new
topic may not be in the metadata yet, and the processor then dies at start-up with `TopicNotFoundError`
although the topic exists (the fault tests met it on a loaded machine). This waits for the topic, up to the
framework's own creation timeout, before the read. (An internal hook: quixstreams is pinned.)
"""

from __future__ import annotations

import time

from quixstreams import Application


def wait_for_created_topics(app: Application, poll: float = 0.2) -> None:
    manager = app._topic_manager
    create = manager._create_topic

    def create_then_wait(topic, timeout: float, create_timeout: float) -> None:
        create(topic, timeout=timeout, create_timeout=create_timeout)
        deadline = time.monotonic() + create_timeout
        while manager._admin.inspect_topics([topic.name], timeout=timeout).get(topic.name) is None:
            if time.monotonic() > deadline:
                return  # the framework's own read then reports it
            time.sleep(poll)

    manager._create_topic = create_then_wait

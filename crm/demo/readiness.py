"""When the demo is ready: the API answers healthy, and every processor has consumed what was ingested.

The lag shown while waiting is a sum of (end offset − committed offset) over every processor's inputs; the
final word is `topics.lag.wait_pipeline_idle`, which knows that transactional topics end in commit markers
and that processors feed each other.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import httpx

from crm.errors import CrmError
from crm.settings import Settings

POLL_S = 0.5


class NotReady(CrmError):
    """The API or the processors did not become ready in time."""


def wait_api_healthy(url: str, timeout: float, check: Callable[[], None]) -> dict:
    """Poll ``url`` (``/api/health``) until it answers 200; ``check`` runs between polls (raising stops the
    wait, e.g. when the API's process died). Returns the health report."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            check()
            try:
                response = client.get(url)
                if response.status_code == 200:
                    return response.json()
                down = [s["name"] for s in response.json().get("services", []) if not s.get("healthy")]
                last = f"{response.status_code}, down: {', '.join(down) or '?'}"
            except (httpx.HTTPError, ValueError) as error:
                last = type(error).__name__
            time.sleep(POLL_S)
    raise NotReady(f"the API at {url} was not healthy within {timeout:.0f} s (last answer: {last})")


def pipeline_inputs(settings: Settings) -> dict[str, list[str]]:
    """Every processor's consumer group → the physical topics it reads, its own repartition topics too."""
    from infra.kafka_topics import existing_topics
    from processors.registry import INPUTS, PROCESSORS
    from topics import physical_name

    with warnings.catch_warnings():
        # the stream framework imports authlib, which warns about itself (and forces its warnings on)
        warnings.simplefilter("ignore")
        from processors.common.app import consumer_group

    present = existing_topics(settings)
    inputs = {}
    for name in PROCESSORS:
        group = consumer_group(settings, name)
        inputs[group] = [physical_name(t, settings) for t in INPUTS[name]]
        inputs[group] += sorted(t for t in present if t.startswith(f"repartition__{group}"))
    return inputs


def wait_pipeline_caught_up(
    settings: Settings,
    timeout: float,
    check: Callable[[], None],
    progress: Callable[[int], None],
    groups: set[str] | None = None,
) -> None:
    """Wait until every processor (or those of ``groups``, consumer group names) has consumed its inputs;
    ``progress`` gets the messages left on each poll and ``check`` runs between polls."""
    from topics.clients import make_admin
    from topics.lag import group_lags, wait_pipeline_idle

    def watched() -> dict[str, list[str]]:
        inputs = pipeline_inputs(settings)
        return inputs if groups is None else {g: t for g, t in inputs.items() if g in groups}

    deadline = time.monotonic() + timeout
    inputs = watched()
    admin = make_admin(settings)
    # Transaction markers count as offsets: a group that has read everything may sit one short per partition.
    markers_at_most = sum(len(topics) for topics in inputs.values()) * settings.topic_partitions
    while time.monotonic() < deadline:
        check()
        inputs = watched()  # repartition topics appear when their processor starts
        left = sum(lag[0] for lag in group_lags(admin, settings.kafka_brokers, inputs).values())
        progress(left)
        if left <= markers_at_most:
            try:
                wait_pipeline_idle(
                    settings.kafka_brokers, inputs, timeout=min(30, deadline - time.monotonic())
                )
                return
            except TimeoutError:
                continue  # more arrived (processors feed each other); show the lag again
        time.sleep(POLL_S)
    raise NotReady(f"the processors had not caught up after {timeout:.0f} s")

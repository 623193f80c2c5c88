"""Elasticsearch and Redis unavailable for a while: the search sink and the queues' Redis sink back off with
jittered delays and catch up once their service is back; the index and the queues then equal an
uninterrupted run's.

Both outages are proxies that only the search and queues processors go through (tests/faults/proxy.py),
so the shared services keep serving everybody else. They overlap in time: the two sinks are independent
(different processors, different services), and each processor's log shows its own backoff.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.faults.proxy import TcpProxy
from tests.pipeline_helpers import PIPELINE

pytestmark = [pytest.mark.integration, pytest.mark.slow]
OUTAGE_S = 15


def _proxy_for(url: str, default_port: int) -> TcpProxy:
    address = urlsplit(url)
    return TcpProxy(address.hostname, address.port or default_port)


def test_search_and_redis_away_then_back_lose_and_double_nothing(pipeline_in_namespace, reference):
    with pipeline_in_namespace("es") as pipeline:
        settings = pipeline.settings
        with (
            _proxy_for(settings.elasticsearch_url, 9200) as search_proxy,
            _proxy_for(settings.redis_url, 6379) as redis_proxy,
        ):
            pipeline.ingest(1)
            pipeline.start("search", CRM_ELASTICSEARCH_URL=search_proxy.url(settings.elasticsearch_url))
            pipeline.start("queues", CRM_REDIS_URL=redis_proxy.url(settings.redis_url))
            pipeline.start(*(name for name in PIPELINE if name not in ("search", "queues")))
            pipeline.settle()
            assert search_proxy.connections and redis_proxy.connections, "the sinks bypassed the proxies"
            before = pipeline.snapshot()

            search_proxy.cut()
            redis_proxy.cut()
            pipeline.ingest(2)
            time.sleep(OUTAGE_S)
            pipeline.check_alive()
            during = pipeline.snapshot()
            assert during.documents == before.documents, "a search write got through the outage"
            assert during.redis == before.redis, "a Redis write got through the outage"
            search_proxy.restore()
            redis_proxy.restore()
            pipeline.finish()

        for name, message in (
            ("search", "Elasticsearch unavailable, retrying"),
            ("queues", "Redis unavailable, retrying"),
        ):
            delays = [record["retry_in_s"] for record in pipeline.logged(name, message)]
            assert len(delays) >= 2 and len(set(delays)) == len(delays), (name, delays)
        differences = pipeline.snapshot().differences(reference)
        assert not differences, "\n".join(differences)

"""PostgreSQL unavailable for 30 s while the processors run: each PostgreSQL sink signals backpressure with a
growing, jittered delay, the framework pauses and redoes the checkpoint, and once the database is back
everything is written, as in an uninterrupted run. A processor (re)started during the outage waits too.

The outage is a proxy the processors connect through (tests/faults/proxy.py), so the shared PostgreSQL
keeps serving everybody else.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.faults.proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.slow]
OUTAGE_S = 30
BACKOFF_LOG = "PostgreSQL unavailable, retrying"


def _payments(settings) -> int:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute("SELECT count(*) FROM payments").fetchone()[0]


def test_postgres_away_for_30_s_then_back_loses_and_doubles_nothing(pipeline_in_namespace, reference):
    with pipeline_in_namespace("pg") as pipeline:
        address = urlsplit(pipeline.settings.database_url)
        with TcpProxy(address.hostname, address.port or 5432) as proxy:
            through_proxy = {"CRM_DATABASE_URL": proxy.url(pipeline.settings.database_url)}
            pipeline.ingest(1)
            pipeline.start(**through_proxy)
            pipeline.settle()
            assert proxy.connections > 0, "the processors did not write through the proxy"
            written_before = _payments(pipeline.settings)

            proxy.cut()
            cut_at = time.monotonic()
            pipeline.ingest(2)
            pipeline.kill("rollup")  # a processor that starts while the database is away
            pipeline.start("rollup", **through_proxy)
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - cut_at)))
            pipeline.check_alive()
            assert _payments(pipeline.settings) == written_before, "a write got through the outage"
            proxy.restore()
            pipeline.finish()

        backoffs = [r for name in ("entities", "delinquency") for r in pipeline.logged(name, BACKOFF_LOG)]
        delays = [record["retry_in_s"] for record in backoffs]
        assert len(delays) >= 4, f"the sinks did not back off: {pipeline.log_tails(['entities'])}"
        assert len(set(delays)) == len(delays), f"retry delays without jitter: {delays}"
        assert max(delays) > 4 * min(delays), f"retry delays that do not grow: {delays}"
        differences = pipeline.snapshot().differences(reference)
        assert not differences, "\n".join(differences)

"""The API's PostgreSQL pool probes a connection only after it sat idle, and still replaces a dead one."""

from __future__ import annotations

import asyncio
import time

import psycopg
import psycopg_pool
import pytest

from api import resources
from api.resources import ApiAsyncConnectionPool, ApiConnectionPool

pytestmark = pytest.mark.integration


def test_only_connections_idle_for_a_while_are_probed_and_a_dead_one_is_replaced(settings, monkeypatch):
    monkeypatch.setattr(resources, "PROBE_AFTER_IDLE_S", 0.2)
    probes: list[int] = []
    probe = psycopg_pool.ConnectionPool.check_connection

    def counting(conn: psycopg.Connection) -> None:
        probes.append(conn.info.backend_pid)
        probe(conn)

    monkeypatch.setattr(ApiConnectionPool, "check_connection", staticmethod(counting))
    pool = ApiConnectionPool(settings.database_url, min_size=1, max_size=1, kwargs={"autocommit": True})
    with pool:
        pool.wait()
        with pool.connection() as conn:  # never lent before: probed
            pid = conn.info.backend_pid
        with pool.connection() as conn:  # returned a moment ago: lent as it is
            assert conn.info.backend_pid == pid
        assert probes == [pid]
        time.sleep(0.3)
        with psycopg.connect(settings.database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pool.connection() as conn:  # idle too long: probed, found dead, replaced
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid != pid
        assert probes[:2] == [pid, pid]


@pytest.mark.anyio
async def test_the_event_loops_pool_probes_the_same_way(settings, monkeypatch):
    monkeypatch.setattr(resources, "PROBE_AFTER_IDLE_S", 0.2)
    probes: list[int] = []
    probe = psycopg_pool.AsyncConnectionPool.check_connection

    async def counting(conn: psycopg.AsyncConnection) -> None:
        probes.append(conn.info.backend_pid)
        await probe(conn)

    monkeypatch.setattr(ApiAsyncConnectionPool, "check_connection", staticmethod(counting))
    pool = ApiAsyncConnectionPool(
        settings.database_url, min_size=1, max_size=1, kwargs={"autocommit": True}, open=False
    )
    async with pool:
        await pool.wait()
        async with pool.connection() as conn:  # never lent before: probed
            pid = conn.info.backend_pid
        async with pool.connection() as conn:  # returned a moment ago: lent as it is
            assert conn.info.backend_pid == pid
        assert probes == [pid]
        await asyncio.sleep(0.3)
        with psycopg.connect(settings.database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        async with pool.connection() as conn:  # idle too long: probed, found dead, replaced
            assert await (await conn.execute("SELECT 1")).fetchone() == (1,)
            assert conn.info.backend_pid != pid
        assert probes[:2] == [pid, pid]

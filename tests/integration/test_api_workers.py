"""`crm api --workers N` (crm/api_workers.py): the supervisor deals connections to its workers in turn,
replaces one that dies without losing a connection, stops them all on SIGTERM, and refuses clearly when
it cannot start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api_client import SECRET
from tests.ports import free_port

pytestmark = pytest.mark.integration
START_TIMEOUT_S = 90


def _workers(supervisor: int) -> list[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if parent == supervisor and b"spawn_main" in command and b"resource_tracker" not in command:
            found.append(int(entry.name))
    return sorted(found)


def _established(pid: int, port: int) -> int:
    """How many established TCP connections to ``port`` the process holds."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    held = 0
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held += 1
    return held


def _health(connection: socket.socket) -> int:
    """One keep-alive request on ``connection``; the status code."""
    connection.sendall(b"GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = connection.recv(65536)
        assert chunk, "the API closed the connection"
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    headers = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    length = int(next(value for name, value in headers.items() if name.lower() == b"content-length"))
    while len(body) < length:
        body += connection.recv(65536)
    return int(head.split(b" ", 2)[1])


def _served(port: int, count: int) -> list[socket.socket]:
    """``count`` keep-alive connections, each answered once (200)."""
    connections = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(count)]
    assert [_health(connection) for connection in connections] == [200] * count
    return connections


def _wait(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def api(cli_env, tmp_path) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    port, log = free_port(), tmp_path / "api.log"
    command = [sys.executable, "-m", "crm", "api", "--workers", "2", "--port", str(port)]
    env = {**cli_env, "CRM_JWT_SECRET": SECRET}
    process = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait(lambda: log.read_text().count(" is serving") == 2, START_TIMEOUT_S, "two workers serving")
        yield process, port, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(60)


def test_connections_are_dealt_to_the_workers_in_turn(api):
    process, port, _log = api
    connections = _served(port, 8)
    try:
        assert [_established(worker, port) for worker in _workers(process.pid)] == [4, 4]
        assert _established(process.pid, port) == 0  # the supervisor keeps none: requests never pass it
    finally:
        for connection in connections:
            connection.close()


def test_a_worker_that_dies_is_replaced_and_no_connection_is_lost(api):
    process, port, log = api
    first, second = _workers(process.pid)
    os.kill(first, signal.SIGKILL)
    noticed = f"API worker {first} exited with -9; starting another"
    _wait(lambda: noticed in log.read_text(), 10, "the supervisor to notice")
    meanwhile = _served(port, 4)  # dealt to the survivor while the replacement starts
    _wait(lambda: len(_workers(process.pid)) == 2, START_TIMEOUT_S, "a worker in its place")
    replacement = next(worker for worker in _workers(process.pid) if worker != second)
    later = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while _established(replacement, port) == 0:  # the replacement takes its turn once started
            assert time.monotonic() < deadline, "the replacement never served a connection"
            later += _served(port, 1)
        assert process.poll() is None
    finally:
        for connection in meanwhile + later:
            connection.close()


def test_sigterm_stops_the_workers_then_the_supervisor(api):
    process, port, _log = api
    workers = _workers(process.pid)
    _served(port, 2)[0].close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    assert not [worker for worker in workers if Path(f"/proc/{worker}").exists()]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


def test_a_taken_port_is_refused_with_its_reason(cli_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "crm", "api", "--workers", "2", "--port", str(port)]
        finished = subprocess.run(command, env=cli_env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in finished.stderr


def test_workers_that_cannot_start_stop_the_api_instead_of_restarting_forever(cli_env, tmp_path):
    broken = tmp_path / "dictionaries.json"
    broken.write_text("{not json")  # the app refuses to start with it; the supervisor itself starts
    env = {**cli_env, "CRM_JWT_SECRET": SECRET, "CRM_DICTIONARIES_FILE": str(broken)}
    command = [sys.executable, "-m", "crm", "api", "--workers", "2", "--port", str(free_port())]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 3
    assert "before it started; stopping the API" in finished.stderr
    assert finished.stderr.count("started API worker") == 2  # none started again


def test_a_dictionaries_file_the_api_would_refuse_stops_the_demo_before_it_starts_anything(cli_env, tmp_path):
    lacking = tmp_path / "dictionaries.json"
    lacking.write_text('{"action_results": [{"code": "PAID", "label": "Paid"}]}')
    env = {**cli_env, "CRM_DICTIONARIES_FILE": str(lacking)}
    command = [sys.executable, "-m", "crm", "demo", "--no-browser", "--port", str(free_port())]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2, finished.stderr
    assert finished.stderr.startswith(f"error: the dictionaries file {lacking}: action_results lacks")
    assert "local services" not in finished.stdout  # refused before the stack step

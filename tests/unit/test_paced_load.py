"""The API benchmark's paced load generator (`benchmarks/api_loadgen.run_paced`): requests leave on a fixed
schedule, and a request held back by a stall is timed from its scheduled moment, not from when it could be
sent (no coordinated omission), against a real HTTP server on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.api_loadgen import Spec, run_paced

STALLED_REQUEST, STALL_S = 10, 0.3


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the API
    wbufsize, disable_nagle_algorithm = 65536, True  # an answer in one send (flushed after each request)
    served = 0

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        type(self).served += 1
        if type(self).served == STALLED_REQUEST:
            threading.Event().wait(STALL_S)  # one slow answer: everything scheduled behind it waits
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.served = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_stall_counts_for_every_request_it_held_back(server):
    # one connection, 50 requests a second for a second: the 10th answer takes 300 ms, during which about
    # 15 more requests fall due; a closed loop would time only the stalled one as slow
    result = run_paced(server, [Spec("GET", "/", "token")], connections=1, seconds=1, rate=50, tag="t")
    assert result["requests"] == 50 and result["offered_rps"] == 50 and result["unanswered"] == 0
    assert result["non_2xx"] == result["timeouts"] == result["socket_errors"] == 0
    assert result["max_ms"] >= STALL_S * 1000 * 0.9
    assert result["p90_ms"] > 100  # the 5 slowest of 50 and more waited for the stall, from their schedule
    assert result["p50_ms"] < 100  # the rest went at once
    assert 35 <= result["rps"] <= 55  # served over the time the answers took


def test_requests_leave_on_schedule_over_several_connections(server):
    result = run_paced(server, [Spec("GET", "/", "token")], connections=4, seconds=1, rate=100, tag="t")
    assert result["requests"] == 100 and _Handler.served == 100
    assert result["lag_behind_schedule_ms"] < 100  # the generator itself kept up


def test_a_server_that_cannot_be_reached_leaves_every_request_unanswered():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_paced(f"http://127.0.0.1:{port}", [Spec("GET", "/", "token")], 4, 0.2, 50, "t")
    assert (result["requests"], result["unanswered"], result["socket_errors"]) == (0, 10, 4)

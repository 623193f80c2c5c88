"""`crm demo` as a person runs it: a child process in a namespace of its own, watched through its output.

The demo prints "Ctrl-C to stop." once the API is healthy and the processors have caught up; a test then
talks to it over HTTP (or a browser), and ends it with SIGINT as Ctrl-C would.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from crm.demo.children import logs_dir
from tests.ports import free_port

READY_LINE = "Ctrl-C to stop."
DEMO_PASSWORD = "demo-password"


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """The web app's build, made once if missing or older than its sources (`make test` builds it first)."""
    from crm.demo.webbuild import WEB_DIR, ensure_web_build

    outcome = ensure_web_build()
    if not outcome.ok:
        pytest.fail(f"the web app cannot be built for the end-to-end tests: {outcome.message}")
    return WEB_DIR / "dist"


@dataclass
class DemoProcess:
    """A running `crm demo`; its output (stderr and stdout together) is collected by a thread."""

    process: subprocess.Popen
    port: int
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None

    def wait(self, timeout: float) -> int:
        """Its exit status, once its last line is read too."""
        code = self.process.wait(timeout=timeout)
        if self.reader is not None:
            self.reader.join(timeout=10)
        return code

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if READY_LINE in line:
                self.ready.set()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.5):
            if self.process.poll() is not None:
                pytest.fail(
                    f"crm demo exited ({self.process.returncode}) before it was ready:\n{self.output}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"crm demo was not ready within {timeout:.0f} s:\n{self.output[-5000:]}")

    def interrupt(self, timeout: float = 120) -> int:
        """Ctrl-C: SIGINT, then wait for the exit status (killing its process group if it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"crm demo did not stop within {timeout} s of SIGINT:\n{self.output[-5000:]}")


def start_demo(env: dict[str, str], *args: str) -> DemoProcess:
    port = free_port()
    command = [sys.executable, "-m", "crm", "demo", "--no-stack", "--no-browser", "--port", str(port), *args]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    demo = DemoProcess(process, port)
    demo.reader = threading.Thread(target=demo._read, daemon=True)
    demo.reader.start()
    return demo


def login(base_url: str, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """A bearer header for a demo login, through the API's password flow."""
    reply = httpx.post(
        f"{base_url}/api/auth/token", data={"username": username, "password": password}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def remove_local_state(settings) -> None:
    """The processors' local state and the demo's logs of a namespace that is gone."""
    ns = settings.namespace
    for path in (settings.state_dir / "processors").glob(f"{ns}*"):
        shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(logs_dir(settings), ignore_errors=True)

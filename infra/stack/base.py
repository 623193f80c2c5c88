"""What every local service has: a directory, a log, a pid file, a health check, start and stop.

A service is "ours" when the process in its pid file is alive with the start time recorded there and its
command line still names the service: a recycled pid or a stranger's process is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from infra.stack import system
from infra.stack.errors import StackError

if TYPE_CHECKING:
    from crm.settings import Settings


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    pid: int | None
    address: str
    healthy: bool
    log_file: Path
    detail: str = ""


def host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url if "//" in url else f"//{url}")
    return parts.hostname or "127.0.0.1", parts.port or default_port


def bind_host(host: str) -> str:
    """The address to listen on: loopback's IPv4 address for "localhost", so nothing binds wider."""
    return "127.0.0.1" if host in ("localhost", "") else host


def log_tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return "(no log yet)"
    return " | ".join(line.strip()[:200] for line in text[-lines:]) or "(empty log)"


class Service:
    name = "service"
    start_timeout = 60.0
    stop_timeout = 30.0
    stop_signal = signal.SIGTERM
    runs_as_service_user = False
    # A substring of /proc/<pid>/cmdline that our process keeps all its life (some rewrite their title).
    process_marker = ""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.state_dir / "services" / self.name
        self.downloads = settings.state_dir / "downloads"
        self.log_file = self.dir / "logs" / f"{self.name}.log"
        self.pid_file = self.dir / f"{self.name}.pid"

    # --- what each service defines ------------------------------------------------------------------
    @property
    def host(self) -> str:
        raise NotImplementedError

    @property
    def port(self) -> int:
        raise NotImplementedError

    def install(self) -> None:
        """Make the binaries available (packages, downloads); cached."""

    def prepare(self) -> None:
        """First-time initialisation (config files, data directory); must be idempotent."""

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def healthy(self) -> bool:
        raise NotImplementedError

    def after_start(self) -> None:
        """Work once the service answers (e.g. create the database)."""

    # --- shared behaviour -----------------------------------------------------------------------------
    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def account(self) -> tuple[int, int] | None:
        return system.service_account() if self.runs_as_service_user else None

    def pid(self) -> int | None:
        """Our running process, or None (a stale pid file is removed).

        The pid file holds the pid and the process's start time: a recycled pid has another start time.
        """
        try:
            pid_text, started_text = self.pid_file.read_text().split()
            pid = int(pid_text)
        except (FileNotFoundError, ValueError):
            return None
        if _start_time(pid) != started_text or self.process_marker not in _cmdline(pid):
            self.pid_file.unlink(missing_ok=True)
            return None
        return pid

    def safe_healthy(self) -> bool:
        try:
            return self.healthy()
        except Exception:  # any failure to answer means "not healthy" here
            return False

    def status(self) -> ServiceStatus:
        pid = self.pid()
        healthy = self.safe_healthy() if pid or system.port_open(self.host, self.port) else False
        detail = "" if pid else ("external" if healthy else "stopped")
        return ServiceStatus(self.name, pid, self.address, healthy, self.log_file, detail)

    def up(self, report) -> ServiceStatus:
        """Start unless already running; wait until healthy. ``report(name, message)`` shows progress."""
        if self.pid() is not None:
            if self.safe_healthy():
                return self.status()
            report(self.name, "running but not healthy yet; waiting")
            self.wait_healthy(time.monotonic())
            return self.status()
        if system.port_open(self.host, self.port):
            if self.safe_healthy():
                report(self.name, f"already served at {self.address} by another process; leaving it alone")
                return self.status()
            raise StackError(
                f"{self.name}: port {self.port} on {self.host} is taken by a process that is not a healthy "
                f"{self.name}; stop it or point CRM_* at another address"
            )
        report(self.name, "installing")
        installing = time.monotonic()
        self.install()
        if time.monotonic() - installing > 1:  # only worth a line when something was downloaded
            report(self.name, f"installed in {time.monotonic() - installing:.1f} s")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        report(self.name, "preparing")
        self.prepare()
        system.chown_tree(self.dir, self.account())
        system.make_traversable(self.dir)
        started = time.monotonic()
        self._spawn()
        report(self.name, "starting")
        self.wait_healthy(started)
        self.after_start()
        report(self.name, f"healthy in {time.monotonic() - started:.1f} s")
        return self.status()

    def _spawn(self) -> None:
        account = self.account()
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.dir,
                env=self.environment(),
                start_new_session=True,  # outlives `crm stack up`; stop() signals the whole group
                user=account[0] if account else None,
                group=account[1] if account else None,
                extra_groups=[] if account else None,
            )
        # Popen returns once exec has begun, but the kernel fills in the new command line a moment later:
        # pid() checks it, so wait for it (or for an early exit, which pid() then reports).
        deadline = time.monotonic() + 5
        while not _cmdline(process.pid) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        self.pid_file.write_text(f"{process.pid} {_start_time(process.pid)}\n")

    def wait_healthy(self, started: float) -> None:
        deadline = started + self.start_timeout
        while time.monotonic() < deadline:
            if self.safe_healthy():
                return
            if self.pid() is None:
                raise StackError(
                    f"{self.name} exited during start-up; see {self.log_file} "
                    f"(last lines: {log_tail(self.log_file)})"
                )
            time.sleep(0.5)
        raise StackError(
            f"{self.name} did not become healthy within {self.start_timeout:.0f} s; see {self.log_file} "
            f"(last lines: {log_tail(self.log_file)})"
        )

    def down(self) -> ServiceStatus:
        pid = self.pid()
        if pid is not None:
            self._signal(pid, self.stop_signal)
            deadline = time.monotonic() + self.stop_timeout
            while time.monotonic() < deadline and self._alive(pid):
                time.sleep(0.2)
            if self._alive(pid):
                self._signal(pid, signal.SIGKILL)
                while self._alive(pid):
                    time.sleep(0.1)
            self.pid_file.unlink(missing_ok=True)
        return self.status()

    @staticmethod
    def _signal(pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)

    @staticmethod
    def _alive(pgid: int) -> bool:
        """Whether any live (non-zombie) process is left in the service's process group."""
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pgid, os.WNOHANG)  # reap the leader if `up` ran in this very process
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(") ", 1)[1].split()
            except (FileNotFoundError, IndexError, ProcessLookupError):
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
        return False


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return None
    return None if fields[0] == "Z" else fields[19]

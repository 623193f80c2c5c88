"""`crm run`'s supervision of several processors: which exits are restarted, after what delay, and when it
gives up. The loop runs for real in a subprocess over child processes that stand in for processors (each
behaves as its name says), so signals, exits and restarts are the operating system's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crm.commands.run import Restarts, exit_described

ROOT = Path(__file__).resolve().parents[2]

# A stand-in processor: appends its pid to <dir>/<name>.starts, then behaves as its name says.
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    name, folder = sys.argv[1], sys.argv[2]
    starts = os.path.join(folder, name + ".starts")
    with open(starts, "a") as f:
        f.write(f"{os.getpid()}\\n")
    started = len(open(starts).read().split())
    if name == "broken" or (name == "flaky" and started <= 2):
        sys.exit(1)
    def stopped(_signum, _frame):
        with open(os.path.join(folder, name + ".stopped"), "a") as f:
            f.write(f"{os.getpid()}\\n")
        sys.exit(0)  # as a processor does: SIGTERM stops it cleanly
    signal.signal(signal.SIGTERM, stopped)
    while True:
        time.sleep(0.05)
    """
)

# The supervisor over the stand-ins, with short delays so that the test takes seconds.
SUPERVISOR = textwrap.dedent(
    """
    import subprocess, sys
    from crm.commands import run
    from crm.errors import CrmError
    folder, names = sys.argv[1], sys.argv[2:]
    child = open(folder + "/child.py").read()
    def start(name):
        return subprocess.Popen([sys.executable, "-c", child, name, folder])
    try:
        run._supervise(names, start=start, restarts=run.Restarts(limit=3, window_s=60, delays=(0.2, 0.4)))
    except CrmError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    """
)


def _pids(folder: Path, name: str, what: str = "starts") -> list[int]:
    path = folder / f"{name}.{what}"
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def _supervisor(folder: Path, *names: str) -> subprocess.Popen:
    (folder / "child.py").write_text(CHILD)
    return subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(folder), *names],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what}"
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_processor_that_exits_or_is_stopped_alone_is_started_again_and_a_stop_stops_them_all(tmp_path):
    supervisor = _supervisor(tmp_path, "steady", "flaky")
    try:
        # flaky exits with an error twice (under the limit of 3), then keeps running
        _wait_for(lambda: len(_pids(tmp_path, "flaky")) == 3, "flaky's third start")
        [steady] = _pids(tmp_path, "steady")
        os.kill(steady, signal.SIGTERM)  # stopped by hand, alone: it exits 0, yet the product needs it
        _wait_for(lambda: len(_pids(tmp_path, "steady")) == 2, "steady started again after its SIGTERM")
        time.sleep(0.5)
        assert supervisor.poll() is None, supervisor.communicate()
        supervisor.send_signal(signal.SIGTERM)
        _out, err = supervisor.communicate(timeout=20)
    finally:
        supervisor.kill()
    assert supervisor.returncode == 0, err
    running = [_pids(tmp_path, "steady")[-1], _pids(tmp_path, "flaky")[-1]]
    assert sorted(_pids(tmp_path, "steady", "stopped") + _pids(tmp_path, "flaky", "stopped")) == sorted(
        [steady, *running]  # the one stopped by hand, then both running ones, by the supervisor's stop
    )
    assert all(_gone(pid) for pid in running)
    assert "flaky exited (status 1); restarting it in 0.2 s (1 exit in the last 1 min)" in err
    assert "flaky exited (status 1); restarting it in 0.4 s (2 exits in the last 1 min)" in err
    assert "steady exited (status 0); restarting it in 0.2 s (1 exit in the last 1 min)" in err


def test_a_processor_that_keeps_exiting_stops_the_others_and_the_exit_status_says_so(tmp_path):
    supervisor = _supervisor(tmp_path, "steady", "broken")
    try:
        _out, err = supervisor.communicate(timeout=30)
    finally:
        supervisor.kill()
    assert supervisor.returncode == 1, err
    assert len(_pids(tmp_path, "broken")) == 3  # the limit
    assert _pids(tmp_path, "steady", "stopped") == _pids(tmp_path, "steady")  # once, by the supervisor
    assert "broken has stopped 3 times in 1 min; stopping the others" in err
    assert "error: processor broken kept stopping; see its log lines above" in err


def test_restart_delays_double_up_to_the_cap_and_forget_exits_older_than_the_window():
    restarts = Restarts(limit=4, window_s=100, delays=(1, 3))
    assert [restarts.after_exit("p", t) for t in (0, 10, 20)] == [1, 2, 3]
    assert restarts.after_exit("p", 30) is None  # the 4th exit within 100 s: give up
    fresh = Restarts(limit=4, window_s=100, delays=(1, 3))
    assert [fresh.after_exit("p", t) for t in (0, 10, 20)] == [1, 2, 3]
    assert fresh.after_exit("p", 105) == 3  # the exit at 0 is out of the window: 3 recent
    assert fresh.after_exit("q", 105) == 1  # each processor counts its own
    assert fresh.recent("p") == 3 and fresh.recent("never") == 0


@pytest.mark.parametrize(
    ("code", "described"),
    [
        (1, "exited (status 1)"),
        (0, "exited (status 0)"),
        (-signal.SIGKILL, "was ended by SIGKILL"),
        (-200, "was ended by signal 200"),
    ],
)
def test_an_exit_is_described_in_words(code, described):
    assert exit_described(code) == described

"""``crm replay``: rebuild processors' state and outputs from their input topics, then run them.

The reset itself is `infra.replay`; this command asks for confirmation, runs the processors (`crm run`,
in a child process whose log goes to a file) and shows the lag falling until they have caught up. Then it
stops them (``--exit-when-caught-up``) or keeps them running in the foreground like `crm run`.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crm.errors import CrmError
from crm.interrupts import interrupt_on_signals
from crm.settings import Settings, get_settings

console = Console(stderr=True, highlight=False, soft_wrap=True)
POLL_S = 0.5


def replay(
    processors: list[str] = typer.Option(
        None, "--processor", "-p", help="A processor to replay (repeat it; default: all of them)."
    ),
    from_beginning: bool = typer.Option(
        False, "--from-beginning", help="From offset zero, state and outputs rebuilt (the default)."
    ),
    since: str = typer.Option(
        None, "--from", help="Re-read from this time (ISO 8601 with offset); stateless processors only."
    ),
    downstream: bool = typer.Option(
        True, "--downstream/--no-downstream", help="Also replay the processors that read their outputs."
    ),
    exit_when_caught_up: bool = typer.Option(
        False, "--exit-when-caught-up", help="Stop the processors once they have caught up."
    ),
    timeout: float = typer.Option(3600, help="Seconds to wait for the processors to catch up."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Rebuild processors' state and outputs from their input topics, then run them."""
    with warnings.catch_warnings():
        # the stream framework imports authlib, which warns about itself and forces its warnings on
        warnings.showwarning = lambda *_args, **_kwargs: None
        from infra.replay import plan_replay, start_replay

    if from_beginning and since:
        raise CrmError("choose --from-beginning or --from, not both")
    settings = get_settings()
    plan = plan_replay(list(processors or []), downstream=downstream, since=_moment(since) if since else None)
    console.print("[bold]crm replay[/] will:")
    for line in plan.describe():
        console.print(f"  • {line}")
    _confirm(yes)
    start_replay(settings, plan)
    _run_until_caught_up(settings, plan.processors, timeout, exit_when_caught_up)


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise CrmError(f"--from {text!r} is not an ISO 8601 time (e.g. 2026-03-02T08:00:00+00:00)") from None


def _confirm(yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise CrmError("not a terminal to confirm on: pass --yes")
    if not typer.confirm("go ahead?", default=False, err=True):
        raise CrmError("nothing changed")


def _run_until_caught_up(settings: Settings, names: list[str], timeout: float, exit_after: bool) -> None:
    log = Path(settings.state_dir) / "logs" / f"replay-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", *names], stdout=out, stderr=subprocess.STDOUT
        )
    console.print(f"running {', '.join(names)} (log: {log})")
    try:
        _show_lag(settings, names, child, log, timeout)
        if exit_after:
            console.print("[green]✓[/] caught up; stopping the processors")
            return
        console.print("[green]✓[/] caught up; the processors keep running (Ctrl-C to stop)")
        _wait_for(child, log)
    except KeyboardInterrupt:
        console.print("stopping the processors")
    finally:
        _stop(child)


def _show_lag(
    settings: Settings, names: list[str], child: subprocess.Popen, log: Path, timeout: float
) -> None:
    """A progress bar of the messages the replayed processors have yet to consume, until there are none."""
    from crm.demo.readiness import NotReady, wait_pipeline_caught_up
    from processors.common.app import consumer_group

    groups = {consumer_group(settings, name) for name in names}
    columns = (TextColumn("[bold]catching up"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, TextColumn("{task.fields[left]} left"), console=console, transient=True) as bar:
        task = bar.add_task("replay", total=None, left="?")
        most = 0

        def progress(left: int) -> None:
            nonlocal most
            most = max(most, left)
            bar.update(task, total=most, completed=most - left, left=f"{left:,}")

        try:
            wait_pipeline_caught_up(settings, timeout, lambda: _check_alive(child, log), progress, groups)
        except NotReady:
            raise CrmError(f"the processors had not caught up after {timeout:.0f} s (log: {log})") from None


def _check_alive(child: subprocess.Popen, log: Path) -> None:
    if child.poll() is not None:
        raise CrmError(f"the processors exited with status {child.returncode}; see {log}")


def _wait_for(child: subprocess.Popen, log: Path) -> None:
    """Until Ctrl-C or SIGTERM (then the caller stops the processors) or the processors stop by themselves."""
    with interrupt_on_signals():
        while child.poll() is None:
            time.sleep(POLL_S)
    if child.returncode not in (0, -signal.SIGTERM):
        raise CrmError(f"the processors exited with status {child.returncode}; see {log}")


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

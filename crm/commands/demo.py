"""``crm demo``: the whole product on one machine, from a fresh checkout to a running, moving CRM.

Steps, one progress line each: the local services → topics, schema and indices → the web app's build → a
generated portfolio → its agents, the demo strategy and the demo logins → the portfolio ingested → every
processor (`crm run`) and the API (`crm api`) as child processes → wait until the API is healthy and the
processors have caught up. Then it prints the URL and logins, and keeps the demo moving: a new business
date every ``--day-every`` and simulated payments, calls and visits at ``--rate``. Ctrl-C (or SIGTERM) stops
what it started and leaves the services running; a child that dies stops the rest and fails the command.
"""

from __future__ import annotations

import hashlib
import re
import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from crm.commands.ingest import run_ingest
from crm.errors import CrmError
from crm.interrupts import interrupt_on_signals
from crm.settings import Settings, get_settings
from domain.wording import count_of
from topics import INGEST_ORDER

if TYPE_CHECKING:
    from domain.dictionaries import Dictionaries

console = Console(stderr=True, highlight=False, soft_wrap=True)

READY_TIMEOUT_S = 3600.0  # generous: a large portfolio on a small machine takes a while to process
HEALTH_TIMEOUT_S = 120.0
SEEDED = ("config.agents",)  # stored and published by the seed step, as the admin API does, not ingested


def demo(
    customers: int = typer.Option(10_000, "--customers", min=1, help="Size of the generated portfolio."),
    seed: int = typer.Option(42, "--seed", help="Generator seed: the same seed gives the same portfolio."),
    stack: bool = typer.Option(True, "--stack/--no-stack", help="Start the local services first."),
    reingest: bool = typer.Option(False, "--reingest", help="Ingest even if the topics already hold data."),
    port: int | None = typer.Option(
        None, "--port", help="Port of the API and web app; default CRM_API_PORT."
    ),
    password: str = typer.Option(
        "demo-password", "--password", help="Password of every demo login (at least 8 characters)."
    ),
    day_every: str = typer.Option(
        "60s", "--day-every", help="Publish the next business date this often (60s, 2m; 0 or off: never)."
    ),
    rate: float = typer.Option(
        2.0,
        "--rate",
        min=0,
        help="Simulated payments and agents' calls and visits per second; each new business date also brings"
        " its installments paid and customers newly behind (0: none of these).",
    ),
    browser: bool = typer.Option(
        True, "--browser/--no-browser", help="Open the web app in a browser once ready (on a terminal)."
    ),
    web_build: bool = typer.Option(
        True, "--web-build/--no-web-build", help="Build the web app first when it is missing or outdated."
    ),
) -> None:
    """Run the whole product with a demo portfolio until Ctrl-C: services, processors, API and web app."""
    from crm.demo.clock import parse_interval

    try:
        tick_every = parse_interval(day_every)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--day-every") from None
    settings = get_settings()
    port = port or settings.api_port
    steps = _Steps(total=6 + stack + web_build)
    with interrupt_on_signals():
        try:
            _run(
                settings,
                steps,
                customers,
                seed,
                stack,
                reingest,
                port,
                password,
                web_build,
                tick_every,
                rate,
                browser,
            )
        except KeyboardInterrupt:
            console.print("[bold]stopped.[/] The local services keep running (`crm stack down` stops them).")


def _run(
    settings: Settings,
    steps: _Steps,
    customers: int,
    seed: int,
    stack: bool,
    reingest: bool,
    port: int,
    password: str,
    web_build: bool,
    tick_every: float | None,
    rate: float,
    browser: bool,
) -> None:
    from crm.commands.init import init
    from crm.demo.children import Supervisor, logs_dir
    from crm.demo.logins import demo_logins

    _check_port_free(port)
    dictionaries = _dictionaries(settings)  # a bad file stops the demo here, not at the API's start
    if stack:
        from infra.stack import manager

        steps.next("local services")
        manager.up(settings, console=console)
    data_dir = _portfolio_dir(settings, customers, seed)
    marks = _marks(settings)
    _check_no_other_portfolio(data_dir, marks)  # before anything is created
    steps.next("topics, schema, indices")
    init(topics=True, database=True, search=True)
    if web_build:
        steps.next("web app")
        _build_web_app()
    steps.next(f"portfolio of {count_of(customers, 'customer')} (seed {seed})")
    _portfolio(data_dir, customers, seed)
    steps.next("agents, strategy and demo logins")
    logins = demo_logins(data_dir / "config.agents.jsonl")
    _seed(settings, data_dir, logins, password)
    steps.next("ingest")
    _ingest_once(data_dir, marks, reingest)

    supervisor = Supervisor(logs_dir(settings))
    background = _Background()
    try:
        steps.next("processors and API")
        supervisor.start_crm("processors", "run")
        supervisor.start_crm("api", "api", "--port", str(port))
        console.print(
            f"[green]✓[/] started every processor and the API; their logs are in {supervisor.log_dir}"
        )
        steps.next("waiting for the API and the processors")
        url = f"http://localhost:{port}/"
        _wait_ready(settings, url, supervisor.check)
        clock = _start_background(settings, data_dir, background, tick_every, rate, dictionaries)
        hours = calling_hours_note(settings.calling_hours, datetime.now(UTC))
        _print_ready(url, logins, password, clock, tick_every, rate, supervisor.log_dir, hours)
        if browser and sys.stdout.isatty() and sys.stdin.isatty():
            webbrowser.open(url)
        while True:
            supervisor.check()
            background.report_failures()
            time.sleep(0.5)
    finally:
        # Ctrl-C, SIGTERM or a dead child: stop the rest, in order, whatever else happens meanwhile.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN), signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            console.print("stopping…")
            for line in background.stop():
                console.print(f"[green]✓[/] {line}")
            supervisor.stop(report=lambda line: console.print(f"[green]✓[/] {line}"))
        finally:
            signal.signal(signal.SIGINT, previous[0])
            signal.signal(signal.SIGTERM, previous[1])


# ---- the steps ----


class _Steps:
    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def next(self, title: str) -> None:
        self.done += 1
        console.rule(f"{self.done}/{self.total} {title}")


def _check_port_free(port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise CrmError(f"port {port} is in use; choose another with --port (or CRM_API_PORT)") from None


def _build_web_app() -> None:
    from crm.demo.webbuild import ensure_web_build

    with console.status("checking the web app's build (npm ci and npm run build when needed)"):
        outcome = ensure_web_build()
    mark = "[green]✓[/]" if outcome.ok else "[yellow]warning:[/]"
    console.print(f"{mark} {outcome.message}")


DEMO_DAYS = 30  # business dates of history in a demo portfolio


PORTFOLIO_DIR = re.compile(r"portfolio-v(?P<version>\d+)-(?P<customers>\d+)-(?P<seed>-?\d+)")


def _portfolio_dir(settings: Settings, customers: int, seed: int) -> Path:
    from crm.generator import GENERATOR_VERSION

    # the generator's version is part of the name: a newer generator never reuses an older portfolio
    return settings.state_dir / "demo" / f"portfolio-v{GENERATOR_VERSION}-{customers}-{seed}"


def _portfolio(data_dir: Path, customers: int, seed: int) -> None:
    from crm.generator import generate_portfolio

    manifest = data_dir / "manifest.json"
    if manifest.is_file():
        dates = orjson.loads(manifest.read_bytes())
        span = f"{dates.get('first_business_date')} to {dates.get('last_business_date')}"
        console.print(f"[green]✓[/] reusing {data_dir} (business dates {span})")
    else:
        # History up to today: agents record actions and promises at the wall clock's time (calling hours
        # are real), so a portfolio dated months away made every promise date look before its action's day
        # and every contact in its history too old to block a call. Reused as it is on later days: a new
        # portfolio on top of one already in Kafka would mix the two.
        start = datetime.now(UTC).date() - timedelta(days=DEMO_DAYS)
        generate_portfolio(
            data_dir, customers, seed, start_date=start, days=DEMO_DAYS, progress=console.is_terminal
        )
        console.print(
            f"[green]✓[/] generated into {data_dir} (business dates to {start + timedelta(days=DEMO_DAYS)})"
        )


class _Marks(NamedTuple):
    """File names that mark a portfolio's folder: produced into this Kafka cluster and namespace, and stored
    in this database schema, each with where that is, in words."""

    kafka: str
    database: str
    kafka_where: str
    database_where: str


def _marks(settings: Settings) -> _Marks:
    from infra.kafka_topics import cluster_id
    from infra.migrate import connect, target_schema

    with connect(settings.database_url) as conn:
        host, port, database, schema = conn.info.host, conn.info.port, conn.info.dbname, target_schema(conn)
    digest = hashlib.sha256(f"{host}:{port}/{database}/{schema}".encode()).hexdigest()[:16]
    namespace = f"namespace {settings.namespace}" if settings.namespace else "the default namespace"
    return _Marks(
        f".ingested-{cluster_id(settings)}-{settings.namespace or 'default'}",
        f".stored-{digest}",
        f"{namespace} of this Kafka cluster",
        # CRM_NAMESPACE alone separates topics, indices and Redis keys, not tables
        f"schema {schema} of database {database}",
    )


def _check_no_other_portfolio(data_dir: Path, marks: _Marks) -> None:
    """Refuse a portfolio where another one was ingested (this Kafka cluster and namespace) or stored (this
    database schema), before anything is created: two portfolios share account numbers and references for
    other loans and payments, so the second would overwrite customers and loans and have its payments
    dead-lettered as conflicting, a demo of neither."""
    for mark, where in ((marks.kafka, marks.kafka_where), (marks.database, marks.database_where)):
        if (data_dir / mark).is_file():
            continue
        held = [other for other in sorted(data_dir.parent.glob("portfolio-*")) if (other / mark).is_file()]
        if held:
            which = " and ".join(_described(other) for other in held)
            raise CrmError(
                f"{where} already holds another demo portfolio, {which}; a second one would be mixed into "
                "it. Run the demo with that one's options, or give this one a namespace and a database "
                "schema of its own (CRM_NAMESPACE and a CRM_DATABASE_URL with a search_path: docs/demo.md, "
                '"Beside other runs").'
            )


def _described(portfolio: Path) -> str:
    """How a portfolio's folder is asked for again: `--customers 500 --seed 42`."""
    from crm.generator import GENERATOR_VERSION

    named = PORTFOLIO_DIR.fullmatch(portfolio.name)
    if named is None:
        return str(portfolio)
    options = f"--customers {named['customers']} --seed {named['seed']}"
    if int(named["version"]) != GENERATOR_VERSION:
        return f"`{options}` of an older generator (version {named['version']}; {portfolio})"
    return f"`{options}` ({portfolio})"


def _seed(settings: Settings, data_dir: Path, logins, password: str) -> None:
    from crm.demo.logins import save_logins
    from crm.generator.strategy import demo_strategy_groups
    from crm.seed import seed_agents, seed_strategy

    changed = seed_agents(settings, data_dir / "config.agents.jsonl")
    console.print(
        f"[green]✓[/] agents: {changed} stored and published" if changed else "[green]✓[/] agents: up to date"
    )
    version = seed_strategy(settings, demo_strategy_groups())
    console.print(f"[green]✓[/] demo strategy: version {version}")
    save_logins(settings, logins, password)
    console.print(f"[green]✓[/] demo logins: {', '.join(login.username for login in logins)}")


def _ingest_once(data_dir: Path, marks: _Marks, reingest: bool) -> None:
    ingested = data_dir / marks.kafka
    if ingested.is_file() and not reingest:
        console.print(
            "[green]✓[/] this portfolio is already in this Kafka cluster; --reingest to produce it again"
        )
    else:
        _ingest_all(data_dir)
        ingested.touch()
    (data_dir / marks.database).touch()  # its sinks write it to this schema now (an older demo's too)


def _ingest_all(data_dir: Path) -> None:
    failed = []
    for topic in INGEST_ORDER:
        path = data_dir / f"{topic}.jsonl"
        if topic not in SEEDED and path.is_file() and not run_ingest(topic, path).ok:
            failed.append(topic)
    if failed:
        raise CrmError(f"ingest rejected lines of {', '.join(failed)}; see the messages above")


def _wait_ready(settings: Settings, url: str, check: Callable[[], None]) -> None:
    from crm.demo.readiness import wait_api_healthy, wait_pipeline_caught_up

    with console.status("waiting for the API to answer healthy"):
        wait_api_healthy(f"{url}api/health", HEALTH_TIMEOUT_S, check)
    console.print("[green]✓[/] the API is healthy")
    started = time.monotonic()
    last_line = 0.0
    with console.status("waiting for the processors") as status:

        def progress(left: int) -> None:
            nonlocal last_line
            status.update(f"processors catching up: {count_of(left, 'message')} to go")
            # not a terminal (a log, a pipe): a line now and then instead of the live one
            if not console.is_terminal and time.monotonic() - last_line >= 5:
                console.print(f"  processors catching up: {count_of(left, 'message')} to go")
                last_line = time.monotonic()

        wait_pipeline_caught_up(settings, READY_TIMEOUT_S, check, progress)
    console.print(f"[green]✓[/] the processors have caught up ({time.monotonic() - started:.0f} s)")


# ---- running: the clock and the simulator ----


class _Background:
    """Threads that keep the demo moving; a failure is reported once and the demo keeps serving."""

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.summaries: dict[str, Callable[[], str]] = {}
        self.failures: dict[str, BaseException] = {}
        self._reported: set[str] = set()

    def start(
        self, name: str, target: Callable[[threading.Event], object], summary: Callable[[], str]
    ) -> None:
        def guarded() -> None:
            try:
                target(self.stop_event)
            except Exception as error:  # reported by the main loop: one warning, the rest keeps running
                self.failures[name] = error

        thread = threading.Thread(target=guarded, name=f"demo-{name}", daemon=True)
        self.threads.append(thread)
        self.summaries[name] = summary
        thread.start()

    def report_failures(self) -> None:
        for name, error in self.failures.items():
            if name not in self._reported:
                self._reported.add(name)
                console.print(f"[yellow]warning:[/] the {name} stopped: {type(error).__name__}: {error}")

    def stop(self) -> list[str]:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=35)
        return [f"{name} stopped: {summary()}" for name, summary in self.summaries.items()]


def _start_background(
    settings: Settings,
    data_dir: Path,
    background: _Background,
    tick_every: float | None,
    rate: float,
    dictionaries: Dictionaries,
):
    from crm.demo.clock import BusinessDateClock, latest_business_date
    from crm.simulator import ActivitySimulator

    bank, last_in_file = _business_dates_of(data_dir)
    clock = BusinessDateClock(
        settings, bank, latest_business_date(settings, bank) or last_in_file, tick_every or 0
    )
    if tick_every:
        background.start(
            "business-date clock",
            clock.run,
            lambda: f"{count_of(clock.published, 'new business date')}, last {clock.current.isoformat()}",
        )
    if rate > 0:
        simulator = ActivitySimulator(settings, rate, dictionaries)
        background.start("simulator", simulator.run, simulator.counts.describe)
    return clock


def _business_dates_of(data_dir: Path) -> tuple[str, date]:
    """The bank code and the last business date of the portfolio's ``ops.business-date`` file."""
    lines = (data_dir / "ops.business-date.jsonl").read_bytes().split()
    last = orjson.loads(lines[-1])
    return last.get("bank", "MAIN"), date.fromisoformat(last["date"])


def _dictionaries(settings: Settings) -> Dictionaries:
    from api.services.dictionaries import load_dictionaries
    from domain.dictionaries import InvalidDictionaries

    try:
        return load_dictionaries(settings.dictionaries_file)
    except InvalidDictionaries as error:
        raise CrmError(str(error)) from None


DEMO_CUSTOMERS_ZONE = "Asia/Ho_Chi_Minh"  # where the generator places most customers (crm/generator/names.py)


def calling_hours_note(hours: str, now: datetime) -> str:
    """The calling hours the queues keep, and, when it is outside them where most demo customers live, why
    the queues wait and how to call at any hour: a demo started in a European afternoon finds every customer
    "outside calling hours"."""
    from zoneinfo import ZoneInfo

    from domain.compliance import calling_hours, clock_text, hours_text

    start, end = calling_hours(hours)
    note = f"  calling hours {hours_text(start, end)}, each customer's local time (CRM_CALLING_HOURS)"
    local = now.astimezone(ZoneInfo(DEMO_CUSTOMERS_ZONE))
    if start <= local.time() < end:
        return note
    return (
        f"{note}: it is {local:%H:%M} in {DEMO_CUSTOMERS_ZONE}, where most demo customers live, so their "
        f"calls wait until {clock_text(start)} there (CRM_CALLING_HOURS=00:00-24:00 crm demo: any hour)"
    )


def _print_ready(url, logins, password, clock, tick_every, rate, log_dir: Path, hours: str) -> None:
    console.rule("[bold green]the demo is running")
    console.print(f"  web app   [bold]{url}[/]")
    console.print(f"  API docs  {url}docs")
    console.print(f"  logins (password [bold]{escape(password)}[/]):")
    width = max(len(login.username) for login in logins)
    for login in logins:
        console.print(f"    {login.username:<{width}}  {login.describe()}")
    ticking = f"next day every {tick_every:g} s" if tick_every else "not advancing (--day-every off)"
    console.print(f"  business date {clock.current.isoformat()}, {ticking}")
    console.print(
        f"  simulated payments, calls and visits: {f'{rate:g} a second' if rate else 'none (--rate 0)'}"
    )
    console.print(hours, markup=False)
    console.print(f"  logs      {log_dir}")
    console.print("[bold]Ctrl-C to stop.[/]")

"""The end-to-end benchmark behind `crm bench`: a generated portfolio through every processor into every sink.

Stages, in a throw-away namespace (topics, indices, Redis keys, a PostgreSQL schema of its own):

1. **generate** N customers (`crm/generator`; reused from ``<state dir>/bench/`` when already there);
2. **seed** the portfolio's agents and the demo strategy, as the admin API publishes them;
3. **start** every processor as a process of its own (`crm run NAME`, as in production) and wait until each
   has joined its consumer group, so the clock measures processing, not imports;
4. **ingest** every inbound file in `topics.INGEST_ORDER` (business dates last); time zero is the first
   event produced;
5. **watch** until the pipeline is idle: each processor's lag, and each sink's figures
   (`benchmarks/e2e_sinks.py` says when a sink counts as complete), then check the final figures;
6. **latency**: payments that clear a customer's arrears, while other payments arrive, timed until the
   customer leaves their agents' queues in Redis (`benchmarks/e2e_latency.py`);
7. the peak memory (VmHWM) and CPU time of every processor, read just before they are stopped.

Run it with `crm bench` (or ``python -m benchmarks.e2e`` from the repository root).
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from benchmarks import e2e_sinks as sinks
from benchmarks.e2e_latency import payment_to_queue_latency
from benchmarks.e2e_report import machine, timestamp
from crm.errors import CrmError
from crm.settings import Settings
from topics.lag import group_lags

SEEDED = ("config.agents",)  # stored and published by the seed step, as the admin API does, not ingested
JOIN_TIMEOUT_S = 300.0


class BenchError(CrmError):
    """The benchmark could not run or its pipeline did not finish."""


@dataclass(frozen=True)
class BenchOptions:
    customers: int = 500_000
    seed: int = 42
    samples: int = 20
    load_rate: int = 50  # background payments/s while latency is sampled
    keep: bool = False  # leave the namespace (topics, indices, keys, schema) and processor state behind
    timeout_s: float = 3600.0  # from the first event until the pipeline must be idle

    @property
    def poll_s(self) -> float:
        # counting a large book costs the services CPU: poll less often, at some cost in resolution
        return min(5.0, max(1.0, self.customers / 100_000))


def run_bench(base: Settings, options: BenchOptions, console: Console) -> dict:
    """Run every stage and return the result (see docs/benchmarks.md for its fields)."""
    from crm.demo.children import Supervisor

    result: dict = {
        "benchmark": "e2e",
        "date": timestamp(),
        "machine": machine(),
        "parameters": {
            "customers": options.customers,
            "seed": options.seed,
            "partitions": base.topic_partitions,
            "commit_interval_s": base.processor_commit_interval,
            "latency_samples": options.samples,
            "load_payments_per_s": options.load_rate,
            "poll_s": options.poll_s,
        },
        "stages": {},
    }
    console.rule("1/6 portfolio")
    data_dir, manifest, generate_stage = _portfolio(base, options, console)
    result["portfolio"] = {"path": str(data_dir), "counts": manifest["counts"]}
    result["stages"]["generate"] = generate_stage
    distinct_payments = _distinct_payment_references(data_dir / "payments.jsonl")

    tag = f"bench{uuid.uuid4().hex[:6]}"
    with _namespace(base, tag, options.keep) as (settings, env):
        result["namespace"] = settings.namespace
        console.rule(f"2/6 agents and strategy (namespace {settings.namespace})")
        _seed(settings, data_dir)
        supervisor = Supervisor(base.state_dir / "bench" / "logs" / tag)
        try:
            console.rule("3/6 processors")
            _start_processors(settings, env, supervisor, console)
            console.rule("4/6 ingest")
            started = time.perf_counter()
            result["stages"]["ingest"] = _ingest(settings, data_dir, started, console)
            console.rule("5/6 processing until every sink is complete")
            watch = _Watch(settings, options, supervisor.check, started)
            processing = watch.until_idle(console)
            final = watch.final_figures()
            last_date = manifest["last_business_date"]
            checks = sinks.expected_checks(
                settings, manifest["counts"], distinct_payments, last_date, final, data_dir
            )
            processing["sinks"] = watch.sink_results(final, checks)
            inbound = result["stages"]["ingest"]["events"]
            processing["every_sink_complete_s"] = max(s["complete_s"] for s in processing["sinks"].values())
            processing["events_per_s"] = round(inbound / processing["every_sink_complete_s"], 1)
            console.rule("6/6 payment → queue latency under load")
            result["stages"]["latency"] = _latency(settings, options, manifest, supervisor.check, console)
            processing["processors"] = watch.processor_results(supervisor)
            result["stages"]["processing"] = processing
            result["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        finally:
            supervisor.stop(report=lambda line: console.print(f"[green]✓[/] {line}"))
            if not options.keep:
                _remove_processor_state(settings)
    result["complete"] = all(s["ok"] for s in result["stages"]["processing"]["sinks"].values())
    return result


# ---- stages ----


def _portfolio(base: Settings, options: BenchOptions, console: Console) -> tuple[Path, dict, dict]:
    import json

    from crm.generator import GENERATOR_VERSION, generate_portfolio

    # the generator's version is part of the name: a newer generator never reuses an older portfolio
    data_dir = base.state_dir / "bench" / f"portfolio-v{GENERATOR_VERSION}-{options.customers}-{options.seed}"
    stage: dict = {"reused": (data_dir / "manifest.json").is_file()}
    if stage["reused"]:
        console.print(f"[green]✓[/] reusing {data_dir}")
    else:
        started = time.perf_counter()
        generate_portfolio(data_dir, options.customers, options.seed, progress=console.is_terminal)
        stage["seconds"] = round(time.perf_counter() - started, 1)
        stage["customers_per_s"] = round(options.customers / stage["seconds"], 1)
        console.print(f"[green]✓[/] generated into {data_dir} in {stage['seconds']} s")
    return data_dir, json.loads((data_dir / "manifest.json").read_text()), stage


def _distinct_payment_references(path: Path) -> int:
    """Payments the `payments` table must end with: the same reference twice is one payment."""
    pattern = re.compile(rb'"reference_number":\s*"([^"]*)"')
    with path.open("rb") as handle:
        return len({match.group(1) for line in handle for match in pattern.finditer(line)})


@contextlib.contextmanager
def _namespace(base: Settings, tag: str, keep: bool) -> Iterator[tuple[Settings, dict[str, str]]]:
    from infra.sandbox import create_namespace, namespace_env, throwaway_namespace

    if not keep:
        with throwaway_namespace(base, tag, os.environ) as pair:
            yield pair
        return
    settings = create_namespace(base, tag)  # --keep: left behind
    yield settings, namespace_env(settings, os.environ)


def _seed(settings: Settings, data_dir: Path) -> None:
    from crm.generator.strategy import demo_strategy_groups
    from crm.seed import seed_agents, seed_strategy

    seed_agents(settings, data_dir / "config.agents.jsonl")
    seed_strategy(settings, demo_strategy_groups())


def _start_processors(settings: Settings, env: dict, supervisor, console: Console) -> None:
    from confluent_kafka import ConsumerGroupState

    from processors.common.app import consumer_group
    from processors.registry import PROCESSORS
    from topics.clients import describe_groups, make_admin

    for name in PROCESSORS:
        supervisor.start(name, [sys.executable, "-m", "crm", "run", name], env)
    groups = [consumer_group(settings, name) for name in PROCESSORS]
    stable = ConsumerGroupState.STABLE
    admin = make_admin(settings)
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    with console.status("waiting for every processor to join its consumer group") as status:
        while time.monotonic() < deadline:
            supervisor.check()
            described = describe_groups(admin, groups)
            waiting = [g for g, d in described.items() if d is None or d.state != stable or not d.members]
            if not waiting:
                console.print(f"[green]✓[/] {len(groups)} processors running; logs in {supervisor.log_dir}")
                return
            status.update(f"waiting for {', '.join(sorted(waiting))} to join")
            time.sleep(1)
    raise BenchError(f"the processors did not all join within {JOIN_TIMEOUT_S:.0f} s")


def _ingest(settings: Settings, data_dir: Path, started: float, console: Console) -> dict:
    from crm.ingest import ingest_file
    from topics import INGEST_ORDER

    topics: dict[str, dict] = {}
    files = [(t, data_dir / f"{t}.jsonl") for t in INGEST_ORDER if t not in SEEDED]
    columns = (TextColumn("{task.description:<18}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        for topic, path in files:
            task = progress.add_task(topic, total=path.stat().st_size)
            report = ingest_file(
                settings, topic, path, on_progress=lambda done, t=task: progress.update(t, completed=done)
            )
            progress.update(task, completed=path.stat().st_size)
            if not report.ok:
                raise BenchError(
                    f"ingest of {topic}: {report.rejected} rejected, {report.undelivered} undelivered"
                )
            topics[topic] = {
                "messages": report.produced,
                "seconds": round(report.seconds, 2),
                "events_per_s": round(report.rate, 1),
            }
    seconds = time.perf_counter() - started
    events = sum(t["messages"] for t in topics.values())
    return {
        "seconds": round(seconds, 2),
        "events": events,
        "events_per_s": round(events / seconds, 1),
        "topics": topics,
    }


def _latency(settings, options: BenchOptions, manifest: dict, check, console: Console) -> dict:
    with console.status("sampling") as status:
        latency = payment_to_queue_latency(
            settings,
            options.samples,
            options.load_rate,
            manifest["last_business_date"],
            check,
            lambda done, total: status.update(f"sampled {done}/{total} payments"),
        )
    if latency["samples"]:
        console.print(
            f"[green]✓[/] payment → out of the queue: p50 {latency['p50_ms']:,.0f} ms, "
            f"p99 {latency['p99_ms']:,.0f} ms ({latency['samples']} samples, {latency['missed']} missed)"
        )
    else:
        console.print(f"[yellow]warning:[/] no latency sample ({latency['candidates']} candidates)")
    return latency


def _remove_processor_state(settings: Settings) -> None:
    from processors.common.app import state_path
    from processors.registry import PROCESSORS

    for name in PROCESSORS:
        shutil.rmtree(state_path(settings, name), ignore_errors=True)


# ---- watching the pipeline ----


class _Watch:
    """Polls lags and sink figures from the first event until the pipeline is idle."""

    def __init__(self, settings: Settings, options: BenchOptions, check: Callable[[], None], started: float):
        import psycopg
        import redis

        from infra.search_indices import alias_name, make_client
        from topics.clients import make_admin

        self.settings, self.options, self.check, self.started = settings, options, check, started
        self.admin = make_admin(settings)
        self.pg = psycopg.connect(settings.database_url, autocommit=True)
        self.es, self.alias = make_client(settings), alias_name("customers", settings)
        self.redis = redis.Redis.from_url(settings.redis_url)
        self.sinks = {name: sinks.SinkWatch(name) for name in ("postgresql", "elasticsearch", "redis")}
        self.groups: dict[str, sinks.GroupWatch] = {}
        self.idle_s: float | None = None

    def now(self) -> float:
        return round(time.perf_counter() - self.started, 2)

    def figures(self) -> dict[str, dict]:
        return {
            "postgresql": sinks.postgres_figures(self.pg),
            "elasticsearch": sinks.elasticsearch_figures(self.es, self.alias),
            "redis": sinks.redis_figures(self.redis, self.settings.namespace),
        }

    def poll(self, inputs: dict[str, list[str]]) -> sinks.Lags:
        lags = sinks.Lags(group_lags(self.admin, self.settings.kafka_brokers, inputs))
        at = self.now()
        for group, (left, consumed, partitions) in lags.per_group.items():
            self.groups.setdefault(group, sinks.GroupWatch()).observe(left, consumed, partitions, at)
        for name, figures in self.figures().items():
            self.sinks[name].observe(figures, at)
        return lags

    def until_idle(self, console: Console) -> dict:
        from crm.demo.readiness import pipeline_inputs
        from topics.lag import wait_pipeline_idle

        deadline = time.monotonic() + self.options.timeout_s
        with console.status("processing") as status:
            while time.monotonic() < deadline:
                self.check()
                inputs = pipeline_inputs(self.settings)  # repartition topics appear as processors start
                lags = self.poll(inputs)
                status.update(self._describe(lags))
                markers = sum(parts for _, _, parts in lags.per_group.values())
                if lags.total_left <= markers:
                    try:
                        wait_pipeline_idle(self.settings.kafka_brokers, inputs, timeout=60)
                    except TimeoutError:
                        continue
                    # A processor whose input was still empty upstream looked idle at that poll, and the wait
                    # covered its work: idle only if nothing moved meanwhile, else the figures are too early.
                    if self.poll(inputs).per_group != lags.per_group:
                        continue
                    # when anything was last read: a group may still show a lag past its markers (records of
                    # an aborted transaction at the end of a topic are offsets nobody reads)
                    self.idle_s = max(group.moved_s for group in self.groups.values())
                    confirmed = self.now()
                    console.print(
                        f"[green]✓[/] pipeline idle at {self.idle_s:,.1f} s (confirmed at {confirmed:,.1f} s)"
                    )
                    return {"idle_s": self.idle_s, "idle_confirmed_s": confirmed}
                time.sleep(self.options.poll_s)
        raise BenchError(f"the pipeline was not idle {self.options.timeout_s:.0f} s after the first event")

    def _describe(self, lags: sinks.Lags) -> str:
        at = self.now()
        quiet = [
            name
            for name, watch in self.sinks.items()
            if watch.since_s is not None and at - watch.since_s >= 2 * self.options.poll_s
        ]
        quiet_text = ", ".join(quiet) or "none"
        return f"{at:,.0f} s: {lags.total_left:,} messages to go; unchanged for a while: {quiet_text}"

    def final_figures(self) -> dict[str, dict]:
        time.sleep(1.5)  # Elasticsearch shows writes at its next refresh (every second)
        self.final_at = self.now()
        return self.figures()

    def sink_results(self, final: dict[str, dict], checks: dict[str, list[dict]]) -> dict[str, dict]:
        results = {}
        for name, watch in self.sinks.items():
            complete = watch.settle(final[name], self.final_at)
            results[name] = {
                "complete_s": complete,
                "figures": final[name],
                "checks": checks[name],
                "ok": all(c["ok"] for c in checks[name]),
            }
        return results

    def processor_results(self, supervisor) -> dict[str, dict]:
        from crm.procstat import cpu_seconds, peak_rss_mb
        from processors.common.app import consumer_group

        results = {}
        for child in supervisor.children:
            group = self.groups.get(consumer_group(self.settings, child.name), sinks.GroupWatch())
            caught_up = group.caught_up_since_s if group.caught_up_since_s is not None else self.idle_s
            results[child.name] = {
                "caught_up_s": caught_up,
                "offsets_consumed": group.consumed,
                "events_per_s": round(group.consumed / caught_up, 1) if caught_up else 0.0,
                "cpu_s": round(cpu_seconds(child.process.pid), 1),
                "peak_rss_mb": round(peak_rss_mb(child.process.pid), 1),
            }
        return results


if __name__ == "__main__":
    import typer

    from crm.commands.bench import bench

    typer.run(bench)

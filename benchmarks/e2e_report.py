"""`crm bench`'s result: the machine it ran on, the JSON file, the Markdown table in docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime
from pathlib import Path

import orjson

BEGIN, END = "<!-- e2e:begin -->", "<!-- e2e:end -->"
_SECTION = "## End to end (`crm bench`)"


def machine() -> dict:
    """Cores, memory and CPU model from /proc (Linux); what a reader needs to compare two results."""
    cpu_model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(ram_gib, 1),
        "cpu_model": cpu_model,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def write_json(result: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    return path


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} s"


def markdown(result: dict) -> str:
    """The result as the e2e section's body: the machine, the stages, each processor."""
    m, params, stages = result["machine"], result["parameters"], result["stages"]
    ingest, processing, latency = stages["ingest"], stages["processing"], stages["latency"]
    counts = result["portfolio"]["counts"]
    lines = [
        f"`crm bench --customers {params['customers']}` — {result['date'][:10]}, on {m['cores']} cores, "
        f"{m['ram_gib']:g} GiB RAM, {m['cpu_model']} ({m['os']}, Python {m['python']}); "
        f"{params['partitions']} partitions, checkpoints every {params['commit_interval_s']:g} s, "
        "every service on the same machine.",
        "",
        f"Portfolio: {counts['bank.customers']:,} customers, {counts['bank.loans']:,} loans, "
        f"{counts['payments']:,} payments, {counts['agent.actions']:,} actions, "
        f"{counts['ops.business-date']} business dates. Times from the first event produced.",
        "",
        "| stage | result |",
        "| --- | --- |",
        f"| ingest ({ingest['events']:,} events, processors running) | {_s(ingest['seconds'])}, "
        f"{ingest['events_per_s']:,.0f} events/s |",
    ]
    for name, sink in processing["sinks"].items():
        mark = "" if sink["ok"] else " (**checks failed**)"
        lines.append(f"| {name} complete | {_s(sink['complete_s'])}{mark} |")
    lines += [
        f"| **every sink complete, pipeline idle** | **{_s(processing['every_sink_complete_s'])}** "
        f"({processing['events_per_s']:,.0f} inbound events/s) |",
    ]
    if latency.get("samples"):
        lines.append(
            f"| payment → out of the queue, {latency['load_payments_per_s']} other payments/s "
            f"| p50 {latency['p50_ms']:,.0f} ms, p99 {latency['p99_ms']:,.0f} ms, "
            f"max {latency['max_ms']:,.0f} ms ({latency['samples']} samples, {latency['missed']} missed) |"
        )
    lines += [
        "",
        "| processor | caught up | offsets read | events/s | CPU | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, proc in processing["processors"].items():
        lines.append(
            f"| `{name}` | {_s(proc['caught_up_s'])} | {proc['offsets_consumed']:,} | "
            f"{proc['events_per_s']:,.0f} | {proc['cpu_s']:,.1f} s | {proc['peak_rss_mb']:,.0f} MB |"
        )
    return "\n".join(lines) + "\n"


def record_page(result: dict, page: Path) -> None:
    """Put the table between the e2e markers of ``page``, adding the section (at the end) if missing."""
    text = page.read_text() if page.is_file() else "# Benchmarks\n"
    body = f"{BEGIN}\n{markdown(result)}{END}"
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: body, text, count=1)
    else:
        text = text.rstrip("\n") + f"\n\n{_SECTION}\n\n{body}\n"
    page.write_text(text)


def timestamp() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")

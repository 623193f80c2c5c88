"""Benchmark the web app's budgets in a real headless Chromium: the initial bundle, the queue's first render
and the customer 360 view's time to interactive.

    python benchmarks/web.py [--url http://localhost:8000] [--username agent1] [--password demo-password]
                             [--runs 20] [--out FILE]
    python benchmarks/web.py --start-demo [--customers 10000]

Against a running product (`crm demo` in another terminal), or ``--start-demo`` starts a quiet one itself
(`crm demo --no-stack --day-every off --rate 0`, stopped at the end). Per run, in a fresh browser context:

- **queue first render**: from the navigation's start (the browser's ``performance`` time origin) to the
  first queue row on screen, for a full page load of the agent's queue: HTML, the initial JavaScript, the
  API call and the render. The sign-in happens before, so this is what an agent sees on opening the app.
- **360 interactive**: from the click on the first customer in the queue (a client-side navigation) to the
  customer's heading, loans and an action form with its result codes on screen.

Prints p50/p90/p99/max of each and the gzipped size of the initial route's JavaScript and CSS (the files
`web/dist/index.html` references); the budgets are 1,000 ms, 500 ms and 300 KB. Needs Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "web" / "dist"
BUDGETS_MS = {"queue_first_render": 1000.0, "customer_interactive": 500.0}
BUNDLE_BUDGET_KB = 300.0
READY_LINE = "Ctrl-C to stop."


def initial_bundle_kb(dist: Path = DIST) -> dict[str, float]:
    """Gzipped KB of each script and stylesheet that ``index.html`` loads (the initial route)."""
    html = (dist / "index.html").read_text()
    assets = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', html)
    return {name: len(gzip.compress((dist / name).read_bytes(), 9)) / 1024 for name in assets}


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(at(0.90), 1),
        "p99_ms": round(at(0.99), 1),
        "max_ms": round(ordered[-1], 1),
    }


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/agents/[^/]+/queue$"))


def measure_once(browser, url: str, username: str, password: str) -> tuple[float, float]:
    """(queue first render ms, 360 interactive ms) in a fresh context: nothing cached but the sign-in."""
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800}, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, username, password)
        queue_url = page.url
        page.goto("about:blank")
        page.goto(queue_url, wait_until="commit")
        page.get_by_test_id("queue-row").first.wait_for(state="visible")
        queue_ms = page.evaluate("performance.now()")

        link = page.get_by_test_id("queue-row").first.get_by_role("link").first
        clicked = page.evaluate("performance.now()")
        link.click()
        page.get_by_role("heading", level=1).wait_for(state="visible")
        form = page.get_by_role("form", name="Record an action")
        # the result codes come from the dictionaries: with them, the form can be used
        form.get_by_label("Result").locator("option").nth(1).wait_for(state="attached")
        page.get_by_text("DPD").first.wait_for(state="visible")  # the loans
        interactive = page.evaluate("performance.now()") - clicked
        return queue_ms, interactive
    finally:
        context.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_demo(customers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "crm", "demo", "--no-stack", "--no-browser", "--port", str(port)]
    command += ["--customers", str(customers), "--day-every", "off", "--rate", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        print(f"  demo | {line.rstrip()}", flush=True)
        if READY_LINE in line:
            return process, f"http://127.0.0.1:{port}"
    raise SystemExit(f"crm demo exited ({process.wait()}) before it was ready")


def chromium_path() -> str:
    path = os.environ.get("CRM_TESTS_CHROMIUM")
    path = path or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise SystemExit("needs Chromium (Debian: apt-get install chromium; or CRM_TESTS_CHROMIUM)")
    return path


def run(args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    demo = None
    url = args.url
    if args.start_demo:
        demo, url = start_demo(args.customers)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            measure_once(browser, url, args.username, args.password)  # warm-up: server caches, JIT
            queue, view = [], []
            for n in range(args.runs):
                queue_ms, view_ms = measure_once(browser, url, args.username, args.password)
                queue.append(queue_ms)
                view.append(view_ms)
                print(f"  run {n + 1}/{args.runs}: queue {queue_ms:.0f} ms, 360 {view_ms:.0f} ms", flush=True)
            browser.close()
    finally:
        if demo is not None:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=120)
    bundle = initial_bundle_kb()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count()},
        "url": url,
        "runs": args.runs,
        "queue_first_render": percentiles(queue),
        "customer_interactive": percentiles(view),
        "initial_bundle_gzip_kb": {name: round(kb, 1) for name, kb in bundle.items()},
        "initial_bundle_total_gzip_kb": round(sum(bundle.values()), 1),
    }


def report(result: dict) -> None:
    for name, budget in BUDGETS_MS.items():
        figures = result[name]
        verdict = "within" if figures["p99_ms"] <= budget else "OVER"
        print(
            f"{name}: p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, p99 {figures['p99_ms']} ms, "
            f"max {figures['max_ms']} ms ({verdict} the {budget:.0f} ms budget at p99)"
        )
    total = result["initial_bundle_total_gzip_kb"]
    print(f"initial route: {total} KB gzipped ({'within' if total <= BUNDLE_BUDGET_KB else 'OVER'} 300 KB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--username", default="agent1")
    parser.add_argument("--password", default="demo-password")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--start-demo", action="store_true", help="start a quiet demo, stop it after")
    parser.add_argument("--customers", type=int, default=10_000, help="the started demo's portfolio size")
    parser.add_argument("--out", type=Path, help="the JSON result (default .state/bench/web-<time>.json)")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        raise SystemExit("no web build: run `npm --prefix web run build` first")
    result = run(args)
    report(result)
    out = args.out or REPO / ".state" / "bench" / f"web-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(f"result written to {out}")


if __name__ == "__main__":
    main()

"""Dependency audit (`make audit`, part of `make test`): known vulnerabilities in what we install.

- The Python environment (the project itself skipped): ``pip-audit`` against PyPI's advisory data. PyPI
  gives no severity, so every known vulnerability fails the audit until it is fixed or accepted.
- The web app's production packages (what ``web/dist`` is built from): ``npm audit``; high and critical
  fail. Its development packages (build, lint and test tools, not shipped) are reported, and fail only on
  critical: they run on developers' and CI machines.

An audit that could not ask its service, or a package the service could not look up, is never reported as
clean: "no known vulnerabilities" must mean "looked up and clean". By default it is a loud ``UNCHECKED``
line and does not fail (`make test` runs on machines that reach only a registry mirror without advisory
data); ``CRM_AUDIT_STRICT=1`` (release CI, where the services answer) makes it fail. Accepted findings
are listed, with the reason, in docs/security.md and their ids in ``ACCEPTED_PYTHON`` below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# pip-audit vulnerability ids accepted for now; each one is explained in docs/security.md
ACCEPTED_PYTHON: tuple[str, ...] = ()
FAILING_NPM = {"production": ("high", "critical"), "development": ("critical",)}


@dataclass
class Outcome:
    """What one audit found: ``findings`` fail it; ``unreachable`` fails it in strict mode."""

    name: str
    findings: list[str] = field(default_factory=list)
    unreachable: str | None = None
    notes: list[str] = field(default_factory=list)


def read_pip_audit(report: str, stderr: str = "") -> Outcome:
    """``pip-audit -f json`` output: vulnerabilities, and packages that could not be looked up."""
    outcome = Outcome("python")
    try:
        dependencies = json.loads(report)["dependencies"]
    except (ValueError, KeyError, TypeError):
        outcome.unreachable = (
            "pip-audit gave no report: " + (stderr.strip().splitlines() or ["no output"])[-1]
        )
        return outcome
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if skipped and len(skipped) == len(dependencies):
        outcome.unreachable = (
            f"PyPI's advisory data answered for none of the {len(dependencies)} packages "
            f"(first: {skipped[0]['skip_reason']})"
        )
        return outcome
    outcome.findings += [f"not audited: {d['skip_reason']}" for d in skipped]
    for dependency in dependencies:
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            outcome.findings.append(
                f"{dependency['name']} {dependency['version']}: {vuln['id']} ({aliases}); fixed in {fixed}"
            )
    outcome.notes.append(f"{len(dependencies) - len(skipped)} packages looked up")
    return outcome


def read_npm_audit(report: str, kind: str) -> Outcome:
    """``npm audit --json`` output for the ``production`` or ``development`` packages."""
    outcome = Outcome(f"web ({kind})")
    try:
        answer = json.loads(report)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "vulnerabilities" not in answer.get("metadata", {}):
        # npm's own error (e.g. a registry without the audit endpoint answers 405) comes as a "message"
        message = answer.get("message") if isinstance(answer, dict) else report.strip()[:200]
        outcome.unreachable = f"npm audit got no report: {message or 'no output'}"
        return outcome
    counts = answer["metadata"]["vulnerabilities"]
    for name, vuln in sorted(answer.get("vulnerabilities", {}).items()):
        if vuln.get("severity") in FAILING_NPM[kind]:
            fix = vuln.get("fixAvailable")
            fixed = "fix available" if fix else "no fix available"
            outcome.findings.append(f"{name} {vuln.get('range', '')}: {vuln['severity']}; {fixed}")
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("critical", "high", "moderate", "low"))
    outcome.notes.append(f"{summary} (fails on {' and '.join(FAILING_NPM[kind])})")
    return outcome


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


def audit_python(bin_dir: Path) -> Outcome:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "pip-audit.json"
        ignored = [arg for vuln in ACCEPTED_PYTHON for arg in ("--ignore-vuln", vuln)]
        done = _run(
            [str(bin_dir / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "--desc", "off"]
            + ["--format", "json", "--output", str(report), *ignored]
        )
        text = report.read_text() if report.is_file() else ""
    return read_pip_audit(text, done.stderr)


def audit_web(kind: str) -> Outcome:
    omit = ["--omit=dev"] if kind == "production" else []
    done = _run(["npm", "--prefix", "web", "audit", "--json", *omit])
    return read_npm_audit(done.stdout, kind)


def verdict(outcomes: list[Outcome], offline_allowed: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print."""
    lines, status = [], 0
    for outcome in outcomes:
        if outcome.unreachable:
            word = "UNCHECKED" if offline_allowed else "FAILED (CRM_AUDIT_STRICT=1)"
            lines.append(f"audit {outcome.name}: {word}: {outcome.unreachable}")
            status = status if offline_allowed else 1
        elif outcome.findings:
            lines.append(f"audit {outcome.name}: FAILED: {len(outcome.findings)} finding(s)")
            lines += [f"  {finding}" for finding in outcome.findings]
            status = 1
        else:
            lines.append(f"audit {outcome.name}: ok ({'; '.join(outcome.notes)})")
    if any(o.unreachable for o in outcomes):
        lines.append(
            "audit: an advisory service could not be asked (no network, or a registry mirror without the "
            "audit endpoints): those packages are NOT checked. Run it where they answer, with "
            "CRM_AUDIT_STRICT=1 so that an unanswered lookup fails."
        )
    if status and any(o.findings for o in outcomes):
        lines.append("audit: upgrade the pin, or accept the finding with its reason in docs/security.md")
    return status, lines


def main() -> int:
    bin_dir = Path(sys.executable).parent
    outcomes = [audit_python(bin_dir), audit_web("production"), audit_web("development")]
    status, lines = verdict(outcomes, offline_allowed=os.environ.get("CRM_AUDIT_STRICT") != "1")
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())

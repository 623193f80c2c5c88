"""The dependency audit's reading of pip-audit's and npm's reports: a finding fails, a service that did not
answer is never clean (UNCHECKED, or failing with CRM_AUDIT_STRICT=1), and only a real lookup passes."""

from __future__ import annotations

import json

from infra.audit import read_npm_audit, read_pip_audit, verdict


def pip_report(*dependencies: dict) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "fastapi", "version": "0.163.2", "vulns": []}
VULNERABLE = {
    "name": "starlette",
    "version": "0.27.0",
    "vulns": [{"id": "PYSEC-2024-1", "fix_versions": ["0.40.0"], "aliases": ["CVE-2024-47874"]}],
}
NOT_FOUND = {
    "name": "urllib3",
    "skip_reason": "Dependency not found on PyPI and could not be audited: urllib3",
}


def npm_report(**vulnerabilities: str) -> str:
    counts = {s: 0 for s in ("info", "low", "moderate", "high", "critical")}
    for severity in vulnerabilities.values():
        counts[severity] += 1
    entries = {
        name: {"severity": s, "range": "<1.2.3", "fixAvailable": True} for name, s in vulnerabilities.items()
    }
    return json.dumps(
        {"auditReportVersion": 2, "vulnerabilities": entries, "metadata": {"vulnerabilities": counts}}
    )


NPM_405 = json.dumps(
    {"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"}
)


def test_a_clean_lookup_passes():
    outcomes = [read_pip_audit(pip_report(CLEAN)), read_npm_audit(npm_report(), "production")]
    assert [(o.findings, o.unreachable) for o in outcomes] == [([], None), ([], None)]
    status, lines = verdict(outcomes, offline_allowed=False)
    assert status == 0 and all(": ok (" in line for line in lines)


def test_a_known_vulnerability_fails_with_its_id_and_fix():
    outcome = read_pip_audit(pip_report(CLEAN, VULNERABLE))
    assert outcome.findings == ["starlette 0.27.0: PYSEC-2024-1 (CVE-2024-47874); fixed in 0.40.0"]
    assert verdict([outcome], offline_allowed=True)[0] == 1  # offline never excuses a finding


def test_a_package_that_could_not_be_looked_up_fails():
    outcome = read_pip_audit(pip_report(CLEAN, NOT_FOUND))
    assert [f.split(":")[0] for f in outcome.findings] == ["not audited"]


def test_a_service_that_answered_for_nothing_is_unreachable_not_clean():
    # a registry mirror without the per-version JSON API: pip-audit says "No known vulnerabilities found"
    outcome = read_pip_audit(pip_report(NOT_FOUND, {**NOT_FOUND, "name": "redis"}))
    assert outcome.unreachable and "none of the 2 packages" in outcome.unreachable
    assert read_pip_audit("", "ConnectionError: pypi.org").unreachable.endswith("ConnectionError: pypi.org")


def test_npm_without_its_audit_endpoint_is_unreachable():
    outcome = read_npm_audit(NPM_405, "production")
    assert outcome.unreachable == f"npm audit got no report: {json.loads(NPM_405)['message']}"
    assert read_npm_audit("", "production").unreachable == "npm audit got no report: no output"


def test_unreachable_is_unchecked_and_fails_only_when_strict():
    outcomes = [read_npm_audit(NPM_405, "production")]
    status, lines = verdict(outcomes, offline_allowed=False)
    assert status == 1 and "FAILED (CRM_AUDIT_STRICT=1)" in lines[0] and "NOT checked" in lines[-1]
    status, lines = verdict(outcomes, offline_allowed=True)
    assert status == 0 and "UNCHECKED" in lines[0] and "NOT checked" in lines[-1]


def test_production_packages_fail_on_high_development_packages_on_critical():
    report = npm_report(vite="high", esbuild="moderate", left="critical")
    production, development = read_npm_audit(report, "production"), read_npm_audit(report, "development")
    assert [f.split(" ")[0] for f in production.findings] == ["left", "vite"]
    assert [f.split(" ")[0] for f in development.findings] == ["left"]
    assert read_npm_audit(npm_report(vite="high"), "development").findings == []

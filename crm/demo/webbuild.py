"""The web app's production build (``web/dist``), made or refreshed when the sources are newer.

The API serves ``web/dist`` at ``/``; without a build it serves a page that says how to make one, so a
missing ``npm`` is a warning here, never a reason to stop the demo.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from crm.settings import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
# Besides src/, the files whose change changes the build.
_BUILD_INPUTS = ("index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json")
_OUTPUT_LINES_SHOWN = 30
NPM_TIMEOUT_S = 900


@dataclass(frozen=True)
class WebBuild:
    ok: bool
    message: str


def newest_source_mtime(web: Path) -> float:
    """The latest modification time among the app's sources (0 when there are none)."""
    sources = [p for p in (web / "src").rglob("*") if p.is_file()]
    sources += [web / name for name in _BUILD_INPUTS if (web / name).is_file()]
    return max((p.stat().st_mtime for p in sources), default=0.0)


def build_is_current(web: Path) -> bool:
    index = web / "dist" / "index.html"
    return index.is_file() and index.stat().st_mtime >= newest_source_mtime(web)


def _npm(web: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["npm", "--prefix", str(web), *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=NPM_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        output = (error.stdout or b"").decode(errors="replace") if isinstance(error.stdout, bytes) else ""
        return subprocess.CompletedProcess(command, -1, output, f"gave up after {NPM_TIMEOUT_S} s")


def _failure(step: str, result: subprocess.CompletedProcess[str]) -> WebBuild:
    lines = (result.stdout + result.stderr).strip().splitlines()[-_OUTPUT_LINES_SHOWN:]
    return WebBuild(False, f"`npm {step}` failed (exit {result.returncode}):\n" + "\n".join(lines))


def ensure_web_build(web: Path = WEB_DIR) -> WebBuild:
    """``npm ci`` when ``node_modules`` is missing, ``npm run build`` when ``dist`` is missing or older
    than the sources; what was done, or why it could not be."""
    if not (web / "package.json").is_file():
        return WebBuild(False, f"no web app sources at {web} (an installed package): serving the API only")
    if build_is_current(web):
        return WebBuild(True, "web app build is up to date")
    if shutil.which("npm") is None:
        return WebBuild(
            False,
            "npm is not installed, so the web app cannot be built: install Node.js 20 or newer with npm "
            "(e.g. `apt-get install nodejs npm`) and run `crm demo` again, or build it yourself with "
            "`npm --prefix web ci && npm --prefix web run build`. The API works without it.",
        )
    done = []
    if not (web / "node_modules").is_dir():
        result = _npm(web, "ci", "--no-audit", "--no-fund")
        if result.returncode != 0:
            return _failure("ci", result)
        done.append("installed its packages")
    result = _npm(web, "run", "build")
    if result.returncode != 0:
        return _failure("run build", result)
    done.append(f"built it into {web / 'dist'}")
    return WebBuild(True, "web app: " + " and ".join(done))

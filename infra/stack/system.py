"""Operating-system chores: Debian packages, the unprivileged service user, ports."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import threading
from pathlib import Path

from infra.stack.errors import StackError

SERVICE_USER = "crmsvc"
_apt_lock = threading.Lock()
_apt_updated = False


def is_root() -> bool:
    return os.geteuid() == 0


def ensure_packages(packages: list[str], why: str) -> None:
    """Install Debian packages (once, serialised across threads); as non-root, say what to run."""
    global _apt_updated
    if not packages:
        return
    if not is_root():
        raise StackError(f"{why} needs: sudo apt-get install -y {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _apt_lock:
        try:
            if not _apt_updated:
                subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
                _apt_updated = True
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                check=True,
                env=env,
                capture_output=True,
            )
        except subprocess.CalledProcessError as error:
            tail = (error.stderr or b"").decode(errors="replace").strip().splitlines()[-3:]
            raise StackError(
                f"{why}: apt-get install {' '.join(packages)} failed: {' | '.join(tail)}"
            ) from None


def service_account() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL and Elasticsearch as when we are root (both refuse root); else None."""
    if not is_root():
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SERVICE_USER)
    return entry.pw_uid, entry.pw_gid


def chown_tree(path: Path, account: tuple[int, int] | None) -> None:
    if account is None:
        return
    uid, gid = account
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def make_traversable(path: Path) -> None:
    """Let the service user reach its directory through ours (execute bit on each parent)."""
    for parent in [path, *path.parents]:
        if parent == Path("/"):
            break
        try:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
        except PermissionError:
            break


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def which(name: str) -> str | None:
    return shutil.which(name)

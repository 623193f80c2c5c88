"""PostgreSQL from Debian's packages, in our own data directory (never the system service)."""

from __future__ import annotations

import glob
import signal
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from infra.stack import system
from infra.stack.base import Service, bind_host
from infra.stack.errors import StackError


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


class Postgres(Service):
    name = "postgres"
    start_timeout = 60.0
    runs_as_service_user = True  # PostgreSQL refuses to run as root
    process_marker = "postgres"
    # SIGTERM is a "smart" shutdown that waits for every client to disconnect; SIGINT rolls them back.
    stop_signal = signal.SIGINT

    @property
    def _url(self):
        return urlsplit(self.settings.database_url)

    @property
    def host(self) -> str:
        return self._url.hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return self._url.port or 5432

    @property
    def user(self) -> str:
        return unquote(self._url.username or "crm")

    @property
    def password(self) -> str:
        return unquote(self._url.password or "crm")

    @property
    def database(self) -> str:
        return self._url.path.lstrip("/") or "crm"

    @property
    def data_dir(self) -> Path:
        return self.dir / "data"

    def install(self) -> None:
        if _binaries() is None:
            system.ensure_packages(["postgresql"], "PostgreSQL")

    def prepare(self) -> None:
        if (self.data_dir / "PG_VERSION").is_file():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "run").mkdir(exist_ok=True)
        password_file = self.dir / ".initdb-password"
        password_file.write_text(self.password + "\n")
        system.chown_tree(self.dir, self.account())
        account = self.account()
        try:
            subprocess.run(
                [
                    str(_binaries() / "initdb"),
                    "-D",
                    str(self.data_dir),
                    f"--username={self.user}",
                    f"--pwfile={password_file}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                capture_output=True,
                cwd=self.dir,
                user=account[0] if account else None,
                group=account[1] if account else None,
            )
        except subprocess.CalledProcessError as error:
            raise StackError(
                f"postgres: initdb failed: {error.stderr.decode(errors='replace')[-400:]}"
            ) from None
        finally:
            password_file.unlink(missing_ok=True)

    def command(self) -> list[str]:
        settings = {
            "listen_addresses": bind_host(self.host),
            "port": str(self.port),
            "unix_socket_directories": str(self.dir / "run"),
            "shared_buffers": "256MB",
            "max_connections": "200",
            # A laptop stack: a crash may lose the last few hundred ms of commits, never corrupt data.
            "synchronous_commit": "off",
            "max_wal_size": "2GB",
            "log_min_messages": "warning",
        }
        command = [str(_binaries() / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]
        return command

    def _connect(self, dbname: str) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname,
            connect_timeout=2,
            autocommit=True,
        )

    def healthy(self) -> bool:
        with self._connect("postgres") as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def after_start(self) -> None:
        with self._connect("postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

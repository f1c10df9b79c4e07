"""Real services for tests: throwaway PostgreSQL and Redis servers, and headless Chromium."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .harness import free_port, stop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def postgres_bindir() -> Path:
    """The folder holding initdb and pg_ctl, newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not found:
        on_path = shutil.which("initdb")
        if on_path is None:
            raise RuntimeError("PostgreSQL server binaries not found: install the 'postgresql' package")
        return Path(on_path).parent
    return Path(found[0]).parent


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="newproj-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = "newproj"
        self.password = secrets.token_urlsafe(12)
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            pwd.getpwnam("postgres")
            shutil.chown(self.root, "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._databases = 0

    def _run(self, *args: str, input_text: str | None = None) -> None:
        subprocess.run(
            [*self._as_user, *args], check=True, capture_output=True, text=True, input=input_text, cwd=self.root
        )

    def start(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as_user:
            shutil.chown(pwfile, "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--pwfile",
            str(pwfile),
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        pwfile.unlink()
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        self._databases += 1
        name = f"db{self._databases}"
        psql = self.bindir / "psql"
        self._run(
            str(psql) if psql.exists() else "psql",
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            self.user,
            "-d",
            "postgres",
            "-c",
            f"CREATE DATABASE {name}",
        )
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{name}"


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class RedisServer:
    """Debian's redis-server in a temporary folder on 127.0.0.1, with a password and no persistence."""

    databases = 64

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: install Debian's 'redis-server' package")
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="newproj-redis-"))
        self.port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.url = f"redis://:{self.password}@127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None
        self._databases = 0

    def start(self) -> None:
        config = self.root / "redis.conf"
        config.write_text(
            f"bind 127.0.0.1\nport {self.port}\ndir {self.root}\nrequirepass {self.password}\n"
            f'save ""\nappendonly no\ndatabases {self.databases}\nprotected-mode yes\n'
            'daemonize no\nlogfile ""\n'
        )
        with (self.root / "log").open("wb") as log:
            self._proc = subprocess.Popen(
                [self.binary, str(config)], cwd=self.root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_ready()

    def cli(self, *args: str) -> str:
        """Run one redis-cli command against this server (with its password); return what it printed."""
        result = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "--no-auth-warning", "-a", self.password, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return result.stdout.strip()

    def _wait_until_ready(self, timeout: float = 20) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._proc.returncode}:\n{self.log()}")
            with contextlib.suppress(subprocess.SubprocessError):
                if self.cli("PING") == "PONG":
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer PING within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def new_database(self) -> str:
        """The URL of a database number nobody else in this session uses (1..63)."""
        self._databases += 1
        if self._databases >= self.databases:
            raise RuntimeError(f"only {self.databases - 1} Redis databases per server")
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{self._databases}"

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are still accepted, nothing answers."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)

    def connections_received(self) -> int:
        """How many connections the server has accepted so far (this query's own included)."""
        stats = dict(line.split(":", 1) for line in self.cli("INFO", "stats").splitlines() if ":" in line)
        return int(stats["total_connections_received"])

    def halt(self) -> None:
        """Stop the server (an outage) but keep its folder: start() brings it back on the same port."""
        if self._proc is not None:
            stop(self._proc, grace=10)

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A Redis server for the duration of the block; `.url` and `.new_database()` give URLs."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright Browser on Debian's Chromium (never Playwright's own download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's 'chromium' package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()

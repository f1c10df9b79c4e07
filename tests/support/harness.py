"""Drive generated projects the way their README says: set up, test, serve, talk HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class CommandFailed(AssertionError):
    """A project command exited non-zero; the message carries its whole output."""


def newproj(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the real newproj CLI in a subprocess, without a terminal."""
    full_env = {**os.environ, "CI": "true", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "newproj", *args],
        cwd=cwd,
        env=full_env,
        input=input_text if input_text is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def generate(dest: Path, template: str, answers: Mapping[str, str] | None = None, *extra: str) -> Path:
    """Create a project with `newproj create --defaults` and return its folder."""
    # The working templates/ folder: a test in tests/ keeps it identical to the newest release.
    args = ["create", str(dest), "--defaults", "--template", template, "--source", str(REPO / "templates")]
    for key, value in (answers or {}).items():
        args += ["-a", f"{key}={value}"]
    result = newproj(*args, *extra)
    if result.returncode != 0:
        raise CommandFailed(f"newproj create failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return dest


def readme_block(project: Path, heading: str) -> str:
    """Return the fenced bash block that follows `## heading` in the project's README."""
    text = (project / "README.md").read_text(encoding="utf-8")
    pattern = rf"^## {re.escape(heading)}\s*$.*?^```(?:bash|sh|console)?\s*$\n(.*?)^```\s*$"
    match = re.search(pattern, text, flags=re.MULTILINE | re.DOTALL)
    if match is None:
        raise AssertionError(f"README.md of {project.name} has no bash block under '## {heading}'")
    return match.group(1)


def project_env(project: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a person has in the project's folder, plus `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    base.pop("CI", None)
    base["PATH"] = os.pathsep.join([str(project / ".venv" / "bin"), base.get("PATH", "")])
    base.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return {**base, **(env or {})}


def run_bash(
    project: Path, script: str, env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a bash script in the project folder; raise with its output if it fails."""
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=project,
        env=project_env(project, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise CommandFailed(
            f"exit {result.returncode} running in {project}:\n{script}\n"
            f"--- stdout ---\n{result.stdout[-8000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
        )
    return result


def free_port() -> int:
    """A TCP port nobody listens on right now, on the loopback address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def procfile_command(project: Path, process: str) -> str:
    """The command line of one Procfile process type."""
    for line in (project / "Procfile").read_text(encoding="utf-8").splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process:
            return command.strip()
    raise AssertionError(f"Procfile of {project.name} has no '{process}:' line")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str,
    method: str = "GET",
    json_body: object = None,
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 10,
) -> Response:
    """One HTTP request on loopback; redirects are returned, not followed."""
    all_headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    if not url.startswith(("http://127.0.0.1:", "http://localhost:", "https://127.0.0.1:", "https://localhost:")):
        raise ValueError(f"tests only talk to loopback servers, not {url}")
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310 (checked above)
    try:
        with _OPENER.open(request, timeout=timeout) as reply:
            return Response(reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    """Poll url until it answers 200, failing early if the server process dies."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()[-6000:]}")
        try:
            reply = fetch(url, timeout=2)
            if reply.status == 200:
                return
            last = f"{reply.status} {reply.text[:300]}"
        except OSError as error:
            last = str(error)
        time.sleep(0.1)
    raise AssertionError(f"{url} never answered 200 (last: {last}):\n{log.read_text()[-6000:]}")


@dataclass
class Server:
    """A running Procfile process: its base URL and the file its output goes to."""

    base: str
    log: Path


@contextlib.contextmanager
def accepting(port: int, handle: Callable[[socket.socket, str], None]) -> Iterator[int]:
    """Listen on 127.0.0.1:port (0: a free one) and hand each connection, with the
    client's address, to `handle` on a background thread; yield the port, stop after."""
    listener = socket.create_server(("127.0.0.1", port))
    listener.settimeout(0.2)
    stopping = threading.Event()

    def accept_loop() -> None:
        while not stopping.is_set():
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            handle(conn, peer[0])

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()


def gunicorn_env(host: str, port: int, env: Mapping[str, str] | None) -> dict[str, str]:
    """`env` plus the port settings a Procfile's web process reads."""
    return {"PORT": str(port), "GUNICORN_CMD_ARGS": f"--bind {host}:{port}", **(env or {})}


def wait_for_port(host: str, port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    """Wait until host:port accepts connections, failing early if the server process dies."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()[-6000:]}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"server never listened on {host}:{port}:\n{log.read_text()[-6000:]}")
        time.sleep(0.1)


@contextlib.contextmanager
def run_server(
    project: Path,
    env: Mapping[str, str] | None = None,
    process: str = "web",
    health: str | None = "/health",
    host: str = "127.0.0.1",
    port: int | None = None,
) -> Iterator[Server]:
    """Start a Procfile process on host:port (a free port unless given) and stop it after.

    Ready once `health` answers 200; with `health=None`, once the port accepts
    connections (for probes that expect an unhealthy site).
    """
    port = port or free_port()
    server_env = gunicorn_env(host, port, env)
    log = project / f".serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {procfile_command(project, process)}"],
            cwd=project,
            env=project_env(project, server_env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://{host}:{port}"
    try:
        if health is None:
            wait_for_port(host, port, proc, log)
        else:
            wait_for(base + health, proc, log)
        yield Server(base, log)
    finally:
        stop(proc)
        log.unlink(missing_ok=True)


@contextlib.contextmanager
def serve(
    project: Path,
    env: Mapping[str, str] | None = None,
    process: str = "web",
    health: str = "/health",
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """Start the Procfile's web process on a free loopback port; yield its base URL."""
    with run_server(project, env, process, health, host) as server:
        yield server.base


def stop(proc: subprocess.Popen[bytes], grace: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 15)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait()


def quote(value: str) -> str:
    return shlex.quote(value)


def run_procfile(
    project: Path, process: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one Procfile process to completion on a free loopback port; return what it did."""
    settings = gunicorn_env("127.0.0.1", free_port(), env)
    return subprocess.run(
        ["bash", "-c", f"exec {procfile_command(project, process)}"],
        cwd=project,
        env=project_env(project, settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def bash(project: Path, script: str, env: Mapping[str, str] | None = None) -> str:
    """Run a bash script in the project (failing loudly) and return everything it printed."""
    result = run_bash(project, script, env)
    return result.stdout + result.stderr


def python(project: Path, code: str, env: Mapping[str, str] | None = None) -> str:
    """Run Python code with the project's virtual environment."""
    return bash(project, f".venv/bin/python - <<'PYTHON'\n{code}\nPYTHON\n", env)


def committed_text(project: Path) -> dict[str, str]:
    """Every file git tracks in the project, as text."""
    names = bash(project, "git ls-files -z").split("\0")
    return {name: (project / name).read_text(encoding="utf-8") for name in names if name}

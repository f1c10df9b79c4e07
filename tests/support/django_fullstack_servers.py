"""Servers for django-fullstack's fault probes: a web process that need not be healthy,
and a database address that accepts connections but never answers."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .harness import free_port, procfile_command, project_env, stop


@contextlib.contextmanager
def web_process(project: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The Procfile's web process on a free loopback port, ready once it accepts connections.

    Unlike harness.serve it does not wait for /health to say 200: the probes using it
    expect an unhealthy site.
    """
    port = free_port()
    settings = {"PORT": str(port), "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}", **(env or {})}
    log = project / f".web-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {procfile_command(project, 'web')}"],
            cwd=project,
            env=project_env(project, settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"web process exited with {proc.returncode}:\n{log.read_text()[-6000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"web process never listened:\n{log.read_text()[-6000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        log.unlink(missing_ok=True)


@contextlib.contextmanager
def silent_database() -> Iterator[str]:
    """A PostgreSQL URL whose server accepts TCP connections and then never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept_loop() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"postgresql://app:app@127.0.0.1:{listener.getsockname()[1]}/app"
    finally:
        stopping.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()

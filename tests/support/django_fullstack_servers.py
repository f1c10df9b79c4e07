"""Servers for django-fullstack's fault probes: a web process that need not be healthy,
and a database address that accepts connections but never answers."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path

from .harness import accepting, run_server


@contextlib.contextmanager
def web_process(project: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The Procfile's web process on a free loopback port, ready once it accepts connections.

    Unlike harness.serve it does not wait for /health to say 200: the probes using it
    expect an unhealthy site.
    """
    with run_server(project, env, health=None) as server:
        yield server.base


@contextlib.contextmanager
def silent_database() -> Iterator[str]:
    """A PostgreSQL URL whose server accepts TCP connections and then never says a word."""
    held: list[socket.socket] = []
    try:
        with accepting(0, lambda conn, _: held.append(conn)) as port:
            yield f"postgresql://app:app@127.0.0.1:{port}/app"
    finally:
        for conn in held:
            conn.close()

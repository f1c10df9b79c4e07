"""Unfriendly and plural traffic on loopback: slow clients, and N app instances behind one address.

    from tests.support.traffic import serve_instances, slow_clients

    with slow_clients("127.0.0.1", port, n=50) as held:   # slowloris: half-sent requests
        assert fetch(base + "/health").status == 200     # workers still answer others
        assert held.waiting() == 50                      # ... while every slow one is held open

    with serve_instances(project, n=2, env={"DATABASE_URL": db, "REDIS_URL": url}) as cluster:
        cluster.url          # "http://127.0.0.1:PORT": a round-robin TCP proxy
        cluster.instances    # each instance's own base URL, in proxy order

`serve_instances` starts the Procfile's web process n times (each on its own free port, like
`harness.serve`), waits for each one's health URL, and puts `round_robin_proxy` in front:
each new TCP connection goes to the next instance, so two requests on two connections reach
two different processes. Everything listens on 127.0.0.1 and stops when the block ends.

With `forwarded=True` the proxy plays a platform router: it reads one request per
connection, appends the client's address to `X-Forwarded-For` (as nginx's
`$proxy_add_x_forwarded_for` and Heroku's router do), sets `X-Forwarded-Proto: https`, and
passes on exactly that request. `source` picks the loopback address it connects to the
instances from (e.g. "127.0.0.2"), so an app can trust that address alone and tell the
proxy from a visitor who reaches an instance directly.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

from .harness import serve


class SlowClients:
    """n sockets that each sent the start of a request and keep trickling one header line."""

    def __init__(self, host: str, port: int, n: int, interval: float) -> None:
        self.address = (host, port)
        self.interval = interval
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        for index in range(n):
            sock = socket.create_connection(self.address, timeout=5)
            sock.sendall(f"GET /?slow={index} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: slow\r\n".encode())
            self.sockets.append(sock)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(self.interval):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-Still-Typing: 1\r\n")

    def waiting(self) -> int:
        """How many are still connected with no answer yet (the server neither replied nor closed)."""
        count = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                sock.recv(1, socket.MSG_PEEK)  # an answer, or b"" once closed: no longer held
            except BlockingIOError:
                count += 1
            except OSError:
                pass
            finally:
                sock.setblocking(True)
        return count

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()


@contextlib.contextmanager
def slow_clients(host: str, port: int, n: int, interval: float = 1.0) -> Iterator[SlowClients]:
    """Open n slowloris connections to host:port for the duration of the block."""
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError(f"tests only send traffic to loopback, not {host}")
    clients = SlowClients(host, port, n, interval)
    try:
        yield clients
    finally:
        clients.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


HEAD_LIMIT = 64 * 1024
HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "x-forwarded-proto", "forwarded"}


def _read_request(client: socket.socket) -> bytes:
    """One whole request (head and Content-Length body) from the client, or b""."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk or len(data) > HEAD_LIMIT:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            return b""
        body += chunk
    return head + b"\r\n\r\n" + body[:length]


def _as_router(request: bytes, client_address: str) -> bytes:
    """The request as a router passes it on: the client's address appended, HTTPS, one request."""
    head, _, body = request.partition(b"\r\n\r\n")
    start, *lines = head.decode("latin-1").split("\r\n")
    kept, chain = [], []
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "x-forwarded-for":
            chain.append(value.strip())
        elif name.strip().lower() not in HOP_HEADERS:
            kept.append(line)
    chain.append(client_address)
    kept += [f"X-Forwarded-For: {', '.join(chain)}", "X-Forwarded-Proto: https", "Connection: close"]
    return "\r\n".join([start, *kept]).encode("latin-1") + b"\r\n\r\n" + body


class RoundRobinProxy:
    """A TCP proxy on 127.0.0.1 handing each new connection to the next backend in turn."""

    def __init__(self, backends: Sequence[tuple[str, int]], forwarded: bool = False, source: str | None = None) -> None:
        self.forwarded = forwarded
        self.source = (source, 0) if source else None
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self._stop = threading.Event()
        self._next = cycle(backends)
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, peer = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self._lock:
                backend = next(self._next)
            threading.Thread(target=self._connect, args=(client, peer[0], backend), daemon=True).start()

    def _connect(self, client: socket.socket, peer: str, backend: tuple[str, int]) -> None:
        request = b""
        try:
            if self.forwarded:
                client.settimeout(30)
                request = _read_request(client)
                if not request:
                    raise ValueError("no whole request")
                request = _as_router(request, peer)
            upstream = socket.create_connection(backend, timeout=10, source_address=self.source)
        except (OSError, ValueError):
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            self._open.update((client, upstream))
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        if self.forwarded:
            with contextlib.suppress(OSError):
                upstream.sendall(request)
        else:
            _pump(client, upstream)
        back.join()
        with self._lock:
            self._open.difference_update((client, upstream))
        client.close()
        upstream.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def round_robin_proxy(
    backends: Sequence[tuple[str, int]], forwarded: bool = False, source: str | None = None
) -> Iterator[RoundRobinProxy]:
    """Listen on a free loopback port and forward connections to the backends in turn."""
    proxy = RoundRobinProxy(backends, forwarded, source)
    try:
        yield proxy
    finally:
        proxy.close()


@dataclass(frozen=True)
class Cluster:
    url: str
    instances: list[str]


@contextlib.contextmanager
def serve_instances(
    project: Path,
    n: int = 2,
    env: Mapping[str, str] | None = None,
    process: str = "web",
    health: str = "/health",
    forwarded: bool = False,
    source: str | None = None,
) -> Iterator[Cluster]:
    """Run n copies of a Procfile process (same env) behind one round-robin loopback address.

    `forwarded` and `source` are the proxy's (see the module's docstring).
    """
    with side_by_side([serve(project, env, process, health) for _ in range(n)]) as instances:
        backends = [("127.0.0.1", int(url.rsplit(":", 1)[1])) for url in instances]
        with round_robin_proxy(backends, forwarded, source) as proxy:
            yield Cluster(f"http://127.0.0.1:{proxy.port}", instances)


@contextlib.contextmanager
def side_by_side(managers: Sequence[contextlib.AbstractContextManager[str]]) -> Iterator[list[str]]:
    """Enter the context managers at the same time (one thread each), and leave them so."""
    with ThreadPoolExecutor(len(managers)) as pool:
        entering = [pool.submit(manager.__enter__) for manager in managers]
        futures.wait(entering)
    entered = [manager for manager, future in zip(managers, entering, strict=True) if future.exception() is None]
    try:
        yield [future.result() for future in entering]  # raises the first failure to start
    finally:
        with ThreadPoolExecutor(max(len(entered), 1)) as pool:
            list(pool.map(lambda manager: manager.__exit__(None, None, None), entered))

"""An HTTPS front for a local server, as a platform router would be (django-fullstack e2e).

The browser speaks TLS to this proxy; the proxy forwards each request over plain HTTP
with the headers a router sets (X-Forwarded-Proto: https, X-Forwarded-For: the client),
after dropping any the client sent. The generated project trusts them with
BEHIND_PROXY=1, exactly as in production, so its HTTPS redirect, Secure cookies and
CSRF origin checks all run unchanged.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from .harness import accepting

HEAD_LIMIT = 64 * 1024
DROPPED = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "x-forwarded-proto",
    "x-forwarded-for",
    "x-forwarded-host",
    "forwarded",
}


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost (browsers are told to accept it)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    """Read up to the blank line that ends the request head; return (head, body start)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk or len(data) > HEAD_LIMIT:
            return b"", b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _forward(client: socket.socket, address: str, backend: tuple[str, int]) -> None:
    head, body = _read_head(client)
    if not head:
        return
    request_line, *lines = head.decode("latin-1").split("\r\n")
    headers = [line for line in lines if line.partition(":")[0].strip().lower() not in DROPPED]
    length = next(
        (int(line.partition(":")[2]) for line in headers if line.partition(":")[0].strip().lower() == "content-length"),
        0,
    )
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            return
        body += chunk
    headers += ["X-Forwarded-Proto: https", f"X-Forwarded-For: {address}", "Connection: close"]
    upstream_head = "\r\n".join([request_line, *headers]).encode("latin-1") + b"\r\n\r\n"
    with socket.create_connection(backend, timeout=30) as upstream:
        upstream.sendall(upstream_head + body)
        while chunk := upstream.recv(65536):
            client.sendall(chunk)


def _serve_one(conn: socket.socket, address: str, context: ssl.SSLContext, backend: tuple[str, int]) -> None:
    with contextlib.suppress(OSError), conn:
        conn.settimeout(30)
        with context.wrap_socket(conn, server_side=True) as tls:
            _forward(tls, address, backend)


@contextlib.contextmanager
def https_proxy(backend_url: str, folder: Path, port: int = 0) -> Iterator[str]:
    """Serve https://127.0.0.1:PORT in front of backend_url (http://127.0.0.1:PORT).

    `port` picks the proxy's port (0: any free one), for an OpenID provider that must
    know the site's redirect URI before the site starts.
    """
    host, _, backend_port = backend_url.removeprefix("http://").partition(":")
    backend = (host, int(backend_port))
    cert, key = self_signed_certificate(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def handle(conn: socket.socket, address: str) -> None:
        threading.Thread(target=_serve_one, args=(conn, address, context, backend), daemon=True).start()

    with accepting(port, handle) as bound:
        yield f"https://127.0.0.1:{bound}"

"""slow_clients() holds half-sent requests open; serve_instances() puts N app processes behind one address."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.harness import fetch, serve
from tests.support.services import RedisServer
from tests.support.traffic import serve_instances, slow_clients

WSGI_APP = """\
import os

import redis

hits = redis.Redis.from_url(os.environ["REDIS_URL"]) if "REDIS_URL" in os.environ else None


def app(environ, start_response):
    if environ["PATH_INFO"] == "/health":
        body = b"ok"
    else:
        body = f"{os.getpid()} {hits.incr('hits') if hits else 0}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A minimal project: a WSGI app and a Procfile running it under gunicorn with 4 threads."""
    (tmp_path / "wsgi.py").write_text(WSGI_APP)
    (tmp_path / "Procfile").write_text(f"web: {sys.executable} -m gunicorn -k gthread -w 1 --threads 4 wsgi:app\n")
    return tmp_path


def test_gunicorn_answers_while_slow_clients_hold_some_of_its_threads(project: Path) -> None:
    with serve(project) as base:
        port = int(base.rsplit(":", 1)[1])
        with slow_clients("127.0.0.1", port, n=3, interval=0.5) as held:
            assert fetch(base + "/", timeout=20).status == 200
            assert held.waiting() == 3, "each slow client is still connected, unanswered"
        assert fetch(base + "/health").status == 200


def test_instances_take_turns_and_share_redis(project: Path, redis: RedisServer) -> None:
    with serve_instances(project, n=2, env={"REDIS_URL": redis.new_database()}) as cluster:
        assert len(cluster.instances) == 2
        answers = [fetch(cluster.url + "/").text.split() for _ in range(4)]
    pids = [pid for pid, _ in answers]
    assert pids[0] != pids[1] and pids[0::2] == [pids[0]] * 2 and pids[1::2] == [pids[1]] * 2
    assert [int(count) for _, count in answers] == [1, 2, 3, 4]


ECHO_APP = """\
def app(environ, start_response):
    sent = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
    seen = [environ["REMOTE_ADDR"], environ.get("HTTP_X_FORWARDED_FOR", ""), environ.get("HTTP_X_FORWARDED_PROTO", "")]
    body = "|".join([*seen, sent]).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def test_as_a_router_the_proxy_appends_the_client_address_from_its_own_source(tmp_path: Path) -> None:
    (tmp_path / "wsgi.py").write_text(ECHO_APP)
    (tmp_path / "Procfile").write_text(f"web: {sys.executable} -m gunicorn -k gthread -w 1 --threads 2 wsgi:app\n")
    with serve_instances(tmp_path, n=1, health="/", forwarded=True, source="127.0.0.2") as cluster:
        claimed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"}
        reply = fetch(cluster.url + "/", "POST", data=b"a=1&b=2", headers=claimed)
    assert reply.text == "127.0.0.2|203.0.113.9, 127.0.0.1|https|a=1&b=2"

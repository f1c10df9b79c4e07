"""redis_server() starts a real, private, throwaway Redis on loopback and removes it after."""

from __future__ import annotations

import socket

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.support.services import RedisServer, redis_server


def test_redis_server_serves_its_url_and_separate_databases() -> None:
    with redis_server() as server:
        first = redis.Redis.from_url(server.url)
        other = redis.Redis.from_url(server.new_database())
        first.set("greeting", "hello")
        assert first.get("greeting") == b"hello"
        assert other.get("greeting") is None
        assert server.new_database() != server.new_database()
        first.close()
        other.close()


def test_redis_server_needs_its_password_and_keeps_nothing_on_disk() -> None:
    with redis_server() as server:
        anonymous = redis.Redis(host="127.0.0.1", port=server.port, retry=Retry(NoBackoff(), 0))
        with pytest.raises(redis.AuthenticationError):
            anonymous.ping()
        anonymous.close()
        client = redis.Redis.from_url(server.url, decode_responses=True)
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        assert client.config_get("bind") == {"bind": "127.0.0.1"}
        client.close()


def test_redis_server_is_gone_after_the_block() -> None:
    with redis_server() as server:
        kept: RedisServer = server
    assert not kept.root.exists()
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", kept.port))

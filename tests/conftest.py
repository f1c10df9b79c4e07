"""Shared fixtures: real PostgreSQL, Redis and headless Chromium, started once per session."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fixtures import template_root
from tests.support.services import PostgresServer, RedisServer, chromium, postgres_server, redis_server


def pytest_configure(config: pytest.Config) -> None:
    """Start from the usual signal dispositions, however the suite was launched.

    `nohup`, or `&` in a script, starts the run with SIGHUP or SIGINT ignored; every newproj the
    tests start would inherit that (newproj rightly keeps an inherited ignore), and the tests
    that stop newproj with Ctrl-C or a hang-up would see it finish instead.
    """
    for signum, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGHUP, signal.SIG_DFL)):
        if signal.getsignal(signum) == signal.SIG_IGN:
            signal.signal(signum, handler)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh HOME with a git identity, so tests never touch the real one."""
    path = tmp_path_factory.mktemp("home")
    (path / ".gitconfig").write_text("[user]\n\tname = Test Person\n\temail = test@example.com\n")
    return path


@pytest.fixture
def cli_env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture
def fixture_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_root(tmp_path_factory.mktemp("fixture") / "templates")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty folder to create projects in; tests check nothing else appears in it."""
    path = tmp_path / "work"
    path.mkdir()
    return path

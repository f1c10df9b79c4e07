"""Shared fixtures: real PostgreSQL and headless Chromium, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import PostgresServer, chromium, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with chromium() as instance:
        yield instance

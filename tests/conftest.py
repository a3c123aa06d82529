"""Shared fixtures: real SQLite files, a real PostgreSQL server, the real content."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from content import Library, load_library
from devtools import pgserver
from devtools.fakebotapi import FakeBotAPI
from storage import Database, migrate
from tests.harness import BotHarness, start_harness, stop_harness

# Property tests check behaviour, not speed: on a loaded 2-core CI machine a per-example
# deadline only produces flaky failures. Derandomized, so every run (and CI) tries the same
# examples; explore new ones with `pytest --hypothesis-seed=<n>` and pin what they find with
# @example.
settings.register_profile(
    "magbot",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=100,
    derandomize=True,
)
# The fast loop (`make check`) tries fewer examples; `make test` and CI try them all.
settings.register_profile("dev", parent=settings.get_profile("magbot"), max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "magbot"))

BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the PostgreSQL server, so `make check` can leave it out."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        fixtures = getattr(item, "fixturenames", ())
        if "postgresql" in params.values() or "pg_server" in fixtures:
            item.add_marker(pytest.mark.postgresql)


_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    with pgserver.running() as server:
        server.psql("CREATE DATABASE magbot_template")
        template = Database(server.url("magbot_template"))

        async def prepare() -> None:
            await migrate.upgrade(template)
            await template.close()

        asyncio.run(prepare())
        yield server


def fresh_database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A new, migrated, empty database on the given backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'magbot.db'}"
    server: pgserver.PgServer = request.getfixturevalue("pg_server")
    name = f"magbot_test_{next(_database_numbers)}"
    server.psql(f"CREATE DATABASE {name} TEMPLATE magbot_template")
    return server.url(name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url(request, request.param, tmp_path)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await migrate.upgrade(database)
    yield database
    await database.close()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
async def bot(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> AsyncIterator[BotHarness]:
    """The real bot, polling the fake Bot API, on a fresh database (SQLite and PostgreSQL)."""
    harness = await start_harness(fake_api, database_url, library)
    try:
        yield harness
    finally:
        await stop_harness(harness)

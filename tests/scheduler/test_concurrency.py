"""Two schedulers on one PostgreSQL database during a broadcast and a daily slot: every
message goes out exactly once (0 duplicates, 0 lost), whoever sends it.

The daily chats are in the broadcast's audience too, so each gets two messages, one of
each kind; a few sends are refused with a 429 that outlasts the rate limiter, so their
rows go through `retry` and a later tick, possibly on the other worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from content import Library
from devtools import pgserver
from devtools.fakebotapi import FakeBotAPI
from scheduler.engine import DeliveryEngine, TickSummary
from storage import Database, migrate
from storage.models import Delivery
from tests.conftest import fresh_database_url
from tests.harness import TOKEN
from tests.scheduler.helpers import add_chat, broadcast_to, running_engine, utc

ROOT = Path(__file__).resolve().parents[2]
T0 = utc("2026-11-21T23:00:00Z")
NINE = utc("2026-11-22T09:00:00Z")
DAILY = range(1, 151)  # due at 09:00, and in the broadcast's audience
OTHERS = range(151, 401)  # broadcast only (their slot is at 20:00)


@pytest.fixture
async def pg_db(
    pg_server: pgserver.PgServer, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Database, str]]:
    """A fresh database on the test PostgreSQL server (SKIP LOCKED, real row locks)."""
    url = fresh_database_url(request, "postgresql", tmp_path)
    db = Database(url)
    await migrate.upgrade(db)
    yield db, url
    await db.close()


async def _prepare(db: Database) -> str:
    for chat_id in DAILY:
        await add_chat(db, chat_id, now=T0)
    for chat_id in OTHERS:
        await add_chat(db, chat_id, now=T0, at=dt.time(20, 0))
    return await broadcast_to(db, "Everyone, once", NINE - dt.timedelta(minutes=1))


async def _check(db: Database, api: FakeBotAPI, news: str) -> None:
    stats = api.stats()
    assert stats.duplicates == 0
    expected = Counter(dict.fromkeys(DAILY, 2) | dict.fromkeys(OTHERS, 1))
    assert Counter(stats.per_chat) == expected  # nobody lost
    for chat_id in (DAILY[0], OTHERS[0]):
        assert sum(news == (m.raw_text or "") for m in api.messages(chat_id)) == 1
    async with db.session() as session:
        statuses = dict((await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )).all())  # fmt: skip
    # A daily chat's tip and food idea (two rows, one message) and its broadcast row.
    assert statuses == {"sent": 3 * len(DAILY) + len(OTHERS)}


async def _serve(engine: DeliveryEngine) -> list[TickSummary]:
    """The service's loop on simulated time: tick again at once while a broadcast goes
    on, else a minute later, until a whole minute brings nothing."""
    ticks: list[TickSummary] = []
    now = NINE
    while True:
        summary = await engine.tick(now)
        ticks.append(summary)
        if summary.more:
            continue
        if summary.due == 0 and summary.retried == 0:
            return ticks
        now += dt.timedelta(minutes=1)


async def test_two_engines_share_a_broadcast_and_a_daily_slot_across_ticks(
    pg_db: tuple[Database, str], library: Library, fake_api: FakeBotAPI
) -> None:
    db, url = pg_db
    news = await _prepare(db)
    fake_api.delay("sendMessage", 0.005)  # slow enough for the two to overlap
    fake_api.fail_next("sendMessage", status=429, retry_after=1, count=6)
    other = Database(url)
    try:
        async with (
            running_engine(
                db, library, fake_api.url, url, chat_interval=0, limiter_retries=0,
                delivery_batch_size=20, broadcast_per_tick=60,
            ) as a,
            running_engine(
                other, library, fake_api.url, url, chat_interval=0, limiter_retries=0,
                delivery_batch_size=20, broadcast_per_tick=60,
            ) as b,
        ):  # fmt: skip
            ticks_a, ticks_b = await asyncio.gather(_serve(a), _serve(b))
    finally:
        await other.close()
    await _check(db, fake_api, news)
    ticks = ticks_a + ticks_b
    assert sum(t.sent for t in ticks) == 2 * len(DAILY) + len(OTHERS)
    assert sum(t.retried for t in ticks) == 6  # each 429'd send, once more
    if all(t.sent == 0 for t in ticks_b) or all(t.sent == 0 for t in ticks_a):
        pytest.fail("one engine did all the work: the test did not exercise sharing")


def _env(api_url: str, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": database_url,
        "BROADCAST_RATE": "1000",
        "CHAT_SEND_INTERVAL": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


async def _ticks_at(api: FakeBotAPI, database_url: str, at: dt.datetime) -> list[str]:
    """`python -m scheduler tick --at` twice at once; their summary lines."""
    command = [sys.executable, "-m", "scheduler", "tick", "--at", at.isoformat()]
    processes = [
        await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=_env(api.url, database_url),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    lines = []
    for process in processes:
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, err.decode()
        lines.append(out.decode().strip())
    return lines


@pytest.mark.process
async def test_two_scheduler_processes_share_a_broadcast_and_a_daily_slot(
    pg_db: tuple[Database, str], fake_api: FakeBotAPI
) -> None:
    db, url = pg_db
    news = await _prepare(db)
    fake_api.delay("sendMessage", 0.005)
    first = await _ticks_at(fake_api, url, NINE)
    # A minute later: anything left (a 429'd row waiting to be retried) goes now.
    second = await _ticks_at(fake_api, url, NINE + dt.timedelta(minutes=1))
    await _check(db, fake_api, news)
    assert all(line.startswith("due=") for line in first + second)

"""Faults the delivery engine must survive: a killed or stopped `python -m scheduler`, and a
Bot API that fails for a while. Everything runs on loopback against the fake Bot API; every
wait is bounded and waits for an event (a call, a change, an exit), never for a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from telegram.ext import ExtBot

from content import Library
from devtools import pgserver
from devtools.fakebotapi import FakeBotAPI
from runtime.http import AiohttpRequest
from runtime.ratelimit import SendLimiter
from scheduler.engine import CLAIM_LEASE, MAX_IN_FLIGHT, DeliveryEngine
from scheduler.render import broadcast_text
from storage import Database, broadcasts
from storage.models import Chat, Delivery
from tests.harness import TOKEN, start_harness, stop_harness
from tests.scheduler.helpers import add_chat, engine_settings, running_engine, utc

# Starts real processes: left out of `make check`, run by `make test`.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent
AT = utc("2026-11-22T09:00:00Z")
BROADCAST = range(5000, 5300)
# Slow enough that a few hundred sends take seconds, so a signal lands mid-broadcast.
SEND_DELAY = 0.25


def _env(fake_api: FakeBotAPI, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake_api.url,
        "DATABASE_URL": database_url,
        "BROADCAST_RATE": "1000",
        "LOG_LEVEL": "WARNING",
    }


async def _scheduler(
    fake_api: FakeBotAPI, database_url: str, *args: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scheduler", *args,
        cwd=ROOT, env=_env(fake_api, database_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _run_tick(fake_api: FakeBotAPI, database_url: str, *args: str) -> str:
    process = await _scheduler(fake_api, database_url, "tick", *args)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


async def _settled(fake_api: FakeBotAPI, quiet: float) -> None:
    """Wait until the fake Bot API has seen no new call for `quiet` seconds (bounded)."""
    async with asyncio.timeout(60):
        while True:
            version = fake_api.version
            if await fake_api.wait_for_change(quiet, after=version) == version:
                return


def _message_counts(fake_api: FakeBotAPI) -> Counter[int]:
    return Counter({chat_id: len(fake_api.messages(chat_id)) for chat_id in BROADCAST})


async def _statuses(db: Database) -> dict[int, set[str]]:
    by_chat: dict[int, set[str]] = {}
    async with db.session() as session:
        for chat_id, status in await session.execute(select(Delivery.chat_id, Delivery.status)):
            by_chat.setdefault(chat_id, set()).add(status)
    return by_chat


async def _subscribe_broadcast(db: Database, due_at: dt.datetime) -> None:
    for chat_id in BROADCAST:
        await add_chat(db, chat_id, now=AT - dt.timedelta(days=1))
    async with db.session() as session:
        await session.execute(
            update(Chat).where(Chat.id.in_(list(BROADCAST))).values(next_due_at=due_at)
        )


async def test_sigkill_mid_broadcast_loses_at_most_the_sends_in_flight(
    db: Database, fake_api: FakeBotAPI, database_url: str
) -> None:
    """SIGKILL during a 300-chat broadcast, then a second run after the claim lease.

    What is promised, and no more: no chat ever gets two messages; every chat whose send had
    not started gets its message from the second run; the only chats that may get nothing
    are those whose send was in flight at the kill (their rows are `interrupted`: Telegram
    may or may not have them, so they are never resent), and there are at most
    MAX_IN_FLIGHT of them. (The fake server finishes requests whose client died, as
    Telegram can, so here those chats usually do get their message.)
    """
    await _subscribe_broadcast(db, AT)
    fake_api.delay("sendMessage", SEND_DELAY)
    process = await _scheduler(fake_api, database_url, "tick", "--at", AT.isoformat())
    try:
        await fake_api.wait_for_call("sendMessage", count=60, timeout=60)
    finally:
        process.kill()
        await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == -signal.SIGKILL
    await _settled(fake_api, quiet=SEND_DELAY * 4)
    before = _message_counts(fake_api)
    after_kill = await _statuses(db)
    # `sending` rows are sends that were under way, answered or not, when the process died.
    started = {c for c, s in after_kill.items() if "sending" in s}
    not_started = {c for c, s in after_kill.items() if s == {"claimed"}}
    never_claimed = set(BROADCAST) - set(after_kill)
    # The crash window: a row turns `sending` only when its own request is about to go
    # out, so those the server never received are at most the sends in flight.
    assert len({c for c in started if before[c] == 0}) <= MAX_IN_FLIGHT
    assert not_started or never_claimed, "the kill came after the broadcast; nothing tested"
    assert all(before[c] == 0 for c in not_started | never_claimed)

    fake_api.delay("sendMessage", 0)
    line = await _run_tick(
        fake_api, database_url, "--at", (AT + CLAIM_LEASE + dt.timedelta(minutes=1)).isoformat()
    )
    assert f"recovered={len(not_started)}" in line

    final = _message_counts(fake_api)
    assert max(final.values()) == 1  # never a duplicate
    assert all(final[c] == 1 for c in not_started | never_claimed)
    lost = {c for c in BROADCAST if final[c] == 0}
    assert lost <= started and len(lost) <= MAX_IN_FLIGHT
    statuses = await _statuses(db)
    assert all(statuses[c] == {"interrupted"} for c in started)
    assert all(statuses[c] == {"sent"} for c in not_started | never_claimed)


async def test_sigkill_mid_admin_broadcast_never_duplicates_and_resends_the_unstarted(
    db: Database, fake_api: FakeBotAPI, database_url: str
) -> None:
    """The same promise for a /broadcast: a real broadcast queued to 300 chats (their daily
    slots far away), `python -m scheduler tick` SIGKILLed mid-broadcast, then run again
    after the claim lease: no chat gets two messages, every chat whose send had not started
    gets exactly one, and any loss is among the rows that were `sending` at the kill."""
    await _subscribe_broadcast(db, AT + dt.timedelta(days=7))
    async with db.session() as session:
        broadcast_id = await broadcasts.create_draft(session, "Big <b>news</b>", 1, 0)
    async with db.session() as session:
        assert (await broadcasts.queue(session, broadcast_id, AT)).audience == len(BROADCAST)
    fake_api.delay("sendMessage", SEND_DELAY)
    process = await _scheduler(fake_api, database_url, "tick", "--at", AT.isoformat())
    try:
        await fake_api.wait_for_call("sendMessage", count=60, timeout=60)
    finally:
        process.kill()
        await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == -signal.SIGKILL
    await _settled(fake_api, quiet=SEND_DELAY * 4)
    before = _message_counts(fake_api)
    after_kill = await _statuses(db)
    assert set(after_kill) == set(BROADCAST)  # one ledger row per chat, from the queueing
    started = {c for c, s in after_kill.items() if s == {"sending"}}
    not_started = {c for c, s in after_kill.items() if s <= {"claimed", "queued"}}
    done = {c for c, s in after_kill.items() if s == {"sent"}}  # a group settled in time
    assert started | not_started | done == set(BROADCAST)
    claimed = {c for c, s in after_kill.items() if s == {"claimed"}}
    assert len({c for c in started if before[c] == 0}) <= MAX_IN_FLIGHT
    assert claimed, "the kill came after the last claim; recovery not tested"
    assert all(before[c] == 0 for c in not_started)

    fake_api.delay("sendMessage", 0)
    line = await _run_tick(
        fake_api, database_url, "--at", (AT + CLAIM_LEASE + dt.timedelta(minutes=1)).isoformat()
    )
    # The dead worker's claimed rows are resent by recovery, the queued ones as usual.
    assert f"recovered={len(claimed)}" in line and f"sent={len(not_started)}" in line

    final = _message_counts(fake_api)
    assert max(final.values()) == 1  # never a duplicate
    assert all(final[c] == 1 for c in not_started | done)
    lost = {c for c in BROADCAST if final[c] == 0}
    assert lost <= started and len(lost) <= MAX_IN_FLIGHT
    statuses = await _statuses(db)
    assert all(statuses[c] == {"interrupted"} for c in started)
    assert all(statuses[c] == {"sent"} for c in not_started | done)
    messages = [m for c in BROADCAST for m in fake_api.messages(c)]
    assert {m.raw_text for m in messages} == {broadcast_text("Big <b>news</b>")}


async def test_sigterm_stops_gracefully_and_the_next_run_sends_the_rest(
    db: Database, fake_api: FakeBotAPI, database_url: str
) -> None:
    """SIGTERM to the long-running `python -m scheduler`: the sends in flight finish, it
    exits 0, and the claimed-but-unsent rows are released at once, so the next run (here a
    `tick` right away, long before the claim lease would expire) sends them. Nothing is
    lost and nothing is sent twice."""
    now = dt.datetime.now(dt.UTC)
    await _subscribe_broadcast(db, now - dt.timedelta(minutes=1))
    fake_api.delay("sendMessage", SEND_DELAY)
    process = await _scheduler(fake_api, database_url)
    try:
        await fake_api.wait_for_call("sendMessage", count=60, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err
    await _settled(fake_api, quiet=SEND_DELAY * 4)
    after_stop = await _statuses(db)
    assert not any("sending" in s or "interrupted" in s for s in after_stop.values())
    unsent = {c for c, s in after_stop.items() if s == {"claimed"}}
    async with db.session() as session:
        still_claimed = await session.scalars(
            select(Chat.id).where(Chat.id.in_(list(unsent)), Chat.claimed_by.is_not(None))
        )
        assert list(still_claimed) == []
    sent_first = _message_counts(fake_api)
    assert 0 < sum(sent_first.values()) < len(BROADCAST), "the stop did not land mid-broadcast"

    fake_api.delay("sendMessage", 0)
    line = await _run_tick(fake_api, database_url)
    assert f"recovered={len(unsent)}" in line
    final = _message_counts(fake_api)
    assert set(final.values()) == {1}  # everyone exactly once
    assert {frozenset(s) for s in (await _statuses(db)).values()} == {frozenset({"sent"})}


async def test_bot_api_errors_and_timeouts_then_recovery(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """5xx answers and read timeouts are never retried: Telegram may have the message (here
    it does: the fake delivers, then answers 502, or answers late). Each chat gets it once,
    recorded `unknown`; later ticks send nothing again."""
    flaky, slow = range(6000, 6040), range(6100, 6110)
    for chat_id in flaky:
        await add_chat(db, chat_id, now=AT - dt.timedelta(days=1), at=dt.time(9, 0))
    for chat_id in slow:
        await add_chat(db, chat_id, now=AT - dt.timedelta(days=1), at=dt.time(10, 0))

    fake_api.fail_after_delivery("sendMessage", status=502, count=15)
    fake_api.fail_after_delivery("sendMessage", status=500, count=15)
    async with running_engine(
        db, library, fake_api.url, database_url, send_retries=6, chat_interval=0
    ) as engine:
        summary = await engine.tick(AT)
        assert (await engine.tick(AT + dt.timedelta(minutes=1))).due == 0
    assert (summary.sent, summary.failed) == (len(flaky) - 30, 30)
    statuses = [c.status for c in fake_api.calls_for("sendMessage")]
    assert statuses.count(502) == 15 and statuses.count(500) == 15
    assert len(statuses) == len(flaky)  # nobody was asked twice
    assert all(len(fake_api.messages(c)) == 1 for c in flaky)

    # The server stalls longer than the client waits for an answer, then recovers.
    settings = engine_settings(fake_api.url, database_url)
    limiter = SendLimiter(settings.broadcast_rate, chat_interval=0)
    bot: ExtBot[Any] = ExtBot(
        TOKEN,
        base_url=f"{fake_api.url}/bot",
        request=AiohttpRequest(MAX_IN_FLIGHT + 4, read_timeout=0.3),
        rate_limiter=limiter,
    )
    await bot.initialize()
    try:
        engine = DeliveryEngine(db, library, bot, settings, backoff=0.01)
        fake_api.delay("sendMessage", 1.0)
        stalled = await engine.tick(AT + dt.timedelta(hours=1))
        fake_api.delay("sendMessage", 0)
        assert (stalled.sent, stalled.failed) == (0, len(slow))
        # Recovered: later ticks find nothing to resend.
        assert (await engine.tick(AT + dt.timedelta(hours=1, minutes=1))).sent == 0
    finally:
        await bot.shutdown()
        await limiter.shutdown()
    for chat_id in slow:
        await fake_api.wait_for_messages(chat_id, 1, timeout=30)
    await _settled(fake_api, quiet=1.5)
    assert all(len(fake_api.messages(c)) == 1 for c in [*flaky, *slow])
    by_chat = await _statuses(db)
    assert sorted(len(by_chat[c]) for c in flaky) == [1] * len(flaky)
    assert [frozenset(by_chat[c]) for c in flaky].count(frozenset({"unknown"})) == 30
    assert all(by_chat[c] == {"unknown"} for c in slow)


def _stop_postgres(server: pgserver.PgServer) -> None:
    """A fast shutdown (`pg_ctl restart -m fast`: clients are disconnected), keeping the
    data directory."""
    server.process.send_signal(signal.SIGINT)
    server.process.wait(timeout=30)


def _start_postgres_again(server: pgserver.PgServer) -> None:
    """Start PostgreSQL on the same data directory and port, and wait until it answers."""
    log = open(server.directory / "server.log", "ab")  # noqa: SIM115 - lives with the server
    server.process = subprocess.Popen(
        [*pgserver._as_user(server.user), str(server.bin_dir / "postgres"),
         "-D", str(server.directory / "data"), "-h", "127.0.0.1", "-p", str(server.port),
         "-k", str(server.directory), "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", "-c", "max_connections=200"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(300):
        if server.process.poll() is not None:
            raise RuntimeError("PostgreSQL did not start again")
        ready = subprocess.run(
            [str(server.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(server.port)],
            capture_output=True,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not become ready again within 30 s")


async def test_bot_answers_again_after_postgresql_restarts(
    fake_api: FakeBotAPI, library: Library
) -> None:
    """PostgreSQL goes away under the running bot and comes back: the bot's pool reconnects
    (connections the server closed are dropped at checkout), so /start is answered and
    stored again without restarting the bot."""
    server = await asyncio.to_thread(pgserver.start)
    try:
        server.psql("CREATE DATABASE magbot")
        harness = await start_harness(fake_api, server.url("magbot"), library)
        try:
            [welcome] = await harness.send("/start", chat_id=901)
            assert "subscribed" in (welcome.text or "")
            await asyncio.to_thread(_stop_postgres, server)
            # While the database is down the update is handled (an error, not a hang).
            await harness.send("/start", chat_id=902)
            await asyncio.to_thread(_start_postgres_again, server)
            [again] = await harness.send("/start", chat_id=903)
            assert "subscribed" in (again.text or "")
            async with harness.db.session() as session:
                assert await session.get(Chat, 903) is not None
                assert await session.get(Chat, 901) is not None
        finally:
            await stop_harness(harness)
    finally:
        await asyncio.to_thread(server.stop)

"""Broadcasts never delay daily deliveries (review finding M4).

Every tick does its daily work first and sends at most a budget of broadcast messages, so
a broadcast of any size runs across ticks; between two broadcast batches the tick looks
for daily slots that fell due meanwhile and sends those first. The tests use a small
audience and budget; the mechanism is the one a 100,000-recipient broadcast goes through.
Time is an injected clock, so nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import update

from content import Library
from devtools.fakebotapi import FakeBotAPI
from scheduler.service import DeliveryService
from storage import Database
from storage.models import Chat
from tests.scheduler.helpers import add_chat, broadcast_to, ledger_rows, running_engine, utc

T0 = utc("2026-11-21T23:00:00Z")
NOON = utc("2026-11-22T12:00:00Z")
AUDIENCE = range(100, 200)
DAILY = 1


async def _subscribe(db: Database, daily_due: dt.datetime, text: str) -> str:
    """The audience with a broadcast queued at noon, then one chat (not in it) with a
    daily slot at `daily_due`; returns the broadcast's message."""
    for chat_id in AUDIENCE:
        await add_chat(db, chat_id, now=T0, at=dt.time(20, 0))
    news = await broadcast_to(db, text, NOON)
    await add_chat(db, DAILY, now=T0, at=dt.time(20, 0))
    async with db.session() as session:
        await session.execute(update(Chat).where(Chat.id == DAILY).values(next_due_at=daily_due))
    return news


def _order(api: FakeBotAPI, news: str) -> tuple[list[int], list[int]]:
    """Positions, in the order Telegram received them, of the broadcast messages and of
    the daily chat's tip."""
    broadcast, daily = [], []
    for position, call in enumerate(api.calls_for("sendMessage")):
        if call.params.get("text") == news:
            broadcast.append(position)
        elif int(call.chat_id) == DAILY:
            daily.append(position)
    return broadcast, daily


async def test_a_broadcast_runs_across_ticks_and_each_tick_sends_daily_work_first(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    news = await _subscribe(db, NOON + dt.timedelta(minutes=1), "Big news")
    async with running_engine(
        db,
        library,
        fake_api.url,
        database_url,
        chat_interval=0,
        delivery_batch_size=10,
        broadcast_per_tick=30,
    ) as engine:
        first = await engine.tick(NOON)
        assert first.more and 0 < first.sent <= 30
        sent_before = len(_order(fake_api, news)[0])
        ticks = [first]
        for minute in itertools.count(1):
            ticks.append(await engine.tick(NOON + dt.timedelta(minutes=minute)))
            if not ticks[-1].more:
                break
    assert len(ticks) >= 4  # 100 broadcast messages, at most 30 a tick
    broadcast, daily = _order(fake_api, news)
    # The tick at 12:01 sent the daily tip before any of its broadcast messages.
    assert len(daily) == 1 and daily[0] < broadcast[sent_before]
    assert len(broadcast) == len(AUDIENCE)
    stats = fake_api.stats()
    assert stats.duplicates == 0 and all(stats.per_chat[c] == 1 for c in AUDIENCE)
    assert {r.status for r in await ledger_rows(db)} == {"sent"}


async def test_a_daily_slot_due_during_a_broadcast_goes_out_before_it_ends(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    # The engine's clock moves on 20 s each time the tick reads it (about once a claim):
    # the daily slot three minutes after noon falls due while the broadcast is going out.
    news = await _subscribe(db, NOON + dt.timedelta(minutes=3), "Long news")
    readings = itertools.count(step=20.0)
    async with running_engine(
        db,
        library,
        fake_api.url,
        database_url,
        chat_interval=0,
        delivery_batch_size=10,
        clock=lambda: next(readings),
    ) as engine:
        summary = await engine.tick(NOON)
    assert (summary.sent, summary.more) == (len(AUDIENCE) + 1, False)
    broadcast, daily = _order(fake_api, news)
    assert len(daily) == 1 and broadcast[0] < daily[0] < broadcast[-1]
    assert len(broadcast) == len(AUDIENCE) and fake_api.stats().duplicates == 0


async def test_the_service_goes_on_with_a_broadcast_at_once_not_a_minute_later(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """The running service: a tick that stopped at its budget is followed by the next one
    right away (daily work first in each), not at the next minute."""
    now = dt.datetime.now(dt.UTC)
    for chat_id in AUDIENCE:
        await add_chat(db, chat_id, now=now - dt.timedelta(days=1), at=dt.time(0, 0))
        async with db.session() as session:
            far = now + dt.timedelta(days=1)
            await session.execute(update(Chat).where(Chat.id == chat_id).values(next_due_at=far))
    news = await broadcast_to(db, "Right away", now)
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0, broadcast_per_tick=25
    ) as engine:
        service = DeliveryService(engine)
        service.start()
        try:
            # Four budgets' worth: at one tick a minute this would take four minutes.
            await fake_api.wait_for_call("sendMessage", count=len(AUDIENCE), timeout=50)
        finally:
            await service.stop()
    assert len(_order(fake_api, news)[0]) == len(AUDIENCE)
    assert fake_api.stats().duplicates == 0

"""Claims (review findings L1, L2): a lease counts from the claim that takes it, a message
goes out only if its worker flipped every one of its ledger rows, and an active chat
always has a next delivery time (each tick gives one to any chat without)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

from sqlalchemy import select, update

from content import Library
from devtools.fakebotapi import FakeBotAPI
from runtime.ratelimit import SendLimiter
from scheduler.engine import TickSummary
from storage import Database
from storage.models import Chat, Delivery
from tests.scheduler.helpers import (
    add_chat,
    chat_row,
    ledger_rows,
    running_engine,
    utc,
)

T0 = utc("2026-11-21T23:00:00Z")
NINE = utc("2026-11-22T09:00:00Z")


async def _claimed_by(db: Database, worker: str, chat_ids: set[int]) -> None:
    """Wait (bounded) until `worker` holds claims on all of `chat_ids`."""
    async with asyncio.timeout(30):
        for _ in itertools.count():
            async with db.session() as session:
                query = select(Chat.id).where(Chat.claimed_by == worker)
                if set(await session.scalars(query)) >= chat_ids:
                    return
            await asyncio.sleep(0.02)


async def test_a_claim_late_in_a_long_tick_is_leased_from_when_it_was_made(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """Worker A's tick starts at 09:00 and its clock reads 09:20 from then on, as after a
    long broadcast; it claims both chats then and waits to send. Worker B ticking at 09:21
    must find A's claims alive: leased until 09:30, not until 09:10."""
    for chat_id in (1, 2):
        await add_chat(db, chat_id, now=T0)
    readings = itertools.chain([0.0], itertools.repeat(20 * 60.0))
    other_db = Database(database_url)
    try:
        async with running_engine(
            db,
            library,
            fake_api.url,
            database_url,
            delivery_batch_size=1,
            clock=lambda: next(readings),
        ) as a:
            limiter = a.bot.rate_limiter
            assert isinstance(limiter, SendLimiter)
            limiter.pause(3600)  # A's sends wait: it holds its claims
            ticking = asyncio.create_task(a.tick(NINE))
            await _claimed_by(db, a.worker, {1, 2})
            async with running_engine(other_db, library, fake_api.url, database_url) as b:
                seen = await b.tick(NINE + dt.timedelta(minutes=21))
            ticking.cancel()
            claims = {c: (await chat_row(db, c)).claimed_until for c in (1, 2)}
    finally:
        await other_db.close()
    assert (seen.due, seen.recovered, seen.failed) == (0, 0, 0)
    assert claims == dict.fromkeys((1, 2), NINE + dt.timedelta(minutes=30))
    assert fake_api.calls_for("sendMessage") == []


async def test_a_message_goes_out_only_if_its_worker_flipped_all_its_rows(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 1, now=T0)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        [item] = await engine.claims.claim_batch(NINE, TickSummary()) or []
        assert len(item.ledger_ids) == 2  # the tip and the food idea
        # Another worker flipped one of the two rows to `sending`: it owns that send.
        async with db.session() as session:
            await session.execute(
                update(Delivery).where(Delivery.id == item.ledger_ids[0]).values(status="sending")
            )
        await engine.dispatch.deliver([item], TickSummary())
    assert fake_api.calls_for("sendMessage") == []
    assert {r.status for r in await ledger_rows(db, 1)} == {"sending"}


async def test_the_tick_gives_an_unscheduled_active_chat_its_next_slot(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """An active chat without a next delivery time (a subscription cut short, as a SQLite
    savepoint that outlived its rollback left one) would never be due again."""
    await add_chat(db, 1, now=T0, timezone="Europe/Berlin", at=dt.time(8, 0))
    await add_chat(db, 2, now=T0)
    await add_chat(db, 3, now=T0, status="stopped")
    async with db.session() as session:
        await session.execute(update(Chat).values(next_due_at=None))
        await session.execute(update(Chat).where(Chat.id == 2).values(timezone="No/Such_Zone"))
    # A stopped clock: each tick's `now` is exactly the instant it is given.
    async with running_engine(db, library, fake_api.url, database_url, clock=lambda: 0.0) as engine:
        await engine.tick(utc("2026-11-22T06:00:00Z"))
        assert (await chat_row(db, 1)).next_due_at == utc("2026-11-22T07:00:00Z")
        # Broken preferences get a day's rest instead of stopping the tick.
        assert (await chat_row(db, 2)).next_due_at == utc("2026-11-23T06:00:00Z")
        assert (await chat_row(db, 3)).next_due_at is None  # stopped chats have no slot
        assert (await engine.tick(utc("2026-11-22T07:00:00Z"))).sent == 1
    assert len(fake_api.messages(1)) == 1

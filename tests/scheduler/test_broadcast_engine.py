"""The engine delivering queued broadcast rows (SQLite and PostgreSQL, fake Bot API)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import update

from content import Library
from devtools.fakebotapi import FakeBotAPI
from scheduler.engine import CLAIM_LEASE, TickSummary
from scheduler.render import broadcast_text
from storage import Database, broadcasts
from storage.models import Chat
from tests.scheduler.helpers import add_chat, chat_row, ledger_rows, running_engine, utc

T0 = utc("2026-11-21T23:00:00Z")
QUEUED_AT = utc("2026-11-22T12:00:00Z")
EVENING = dt.time(20, 0)  # a daily slot well after the broadcast's ticks


async def subscribe(db: Database, chat_ids: range | tuple[int, ...]) -> None:
    for chat_id in chat_ids:
        await add_chat(db, chat_id, now=T0, at=EVENING)


async def queue_broadcast(db: Database, text: str, now: dt.datetime = QUEUED_AT) -> int:
    async with db.session() as session:
        broadcast_id = await broadcasts.create_draft(session, text, 1, 0)
        assert (await broadcasts.queue(session, broadcast_id, now)).changed
    return broadcast_id


def received(api: FakeBotAPI, chat_id: int, marker: str) -> list[str]:
    return [m.raw_text or "" for m in api.messages(chat_id) if marker in (m.raw_text or "")]


async def test_two_engines_deliver_one_broadcast_without_duplicates(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    chat_ids = range(1000, 1150)
    await subscribe(db, chat_ids)
    await queue_broadcast(db, "Shared news")
    # Slow sends keep the first engine busy long enough for the second to claim its share.
    fake_api.delay("sendMessage", 0.02)
    other_db = Database(database_url)
    try:
        async with (
            running_engine(db, library, fake_api.url, database_url, delivery_batch_size=10) as a,
            running_engine(
                other_db, library, fake_api.url, database_url, delivery_batch_size=10
            ) as b,
        ):
            first, second = await asyncio.gather(a.tick(QUEUED_AT), b.tick(QUEUED_AT))
    finally:
        await other_db.close()
    assert first.sent + second.sent == len(chat_ids)
    if not db.is_sqlite:
        # SKIP LOCKED lets both take part on PostgreSQL (SQLite has one writer at a time).
        assert first.sent > 0 and second.sent > 0
    stats = fake_api.stats()
    assert stats.duplicates == 0
    assert all(stats.per_chat[c] == 1 for c in chat_ids)
    assert {r.status for r in await ledger_rows(db)} == {"sent"}


async def test_a_daily_delivery_and_a_broadcast_are_two_messages(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    due = await add_chat(db, 1, now=T0)
    await queue_broadcast(db, "Two things today", now=due - dt.timedelta(minutes=5))
    await queue_broadcast(db, "And a second broadcast", now=due - dt.timedelta(minutes=4))
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(due)
        assert (await engine.tick(due + dt.timedelta(minutes=1))).sent == 0
    # The tip and food in one message, then each broadcast once (the limiter spaced them).
    assert summary.sent == 3
    texts = [m.raw_text or "" for m in fake_api.messages(1)]
    assert len(texts) == 3 and "💡" in texts[0]
    assert texts[1:] == [
        broadcast_text("Two things today"),
        broadcast_text("And a second broadcast"),
    ]
    rows = await ledger_rows(db, 1)
    assert sorted((r.kind, r.status) for r in rows) == [
        ("broadcast", "sent"),
        ("broadcast", "sent"),
        ("food", "sent"),
        ("tip", "sent"),
    ]
    assert (await chat_row(db, 1)).claimed_by is None


async def test_chats_that_left_or_paused_since_the_queueing_get_nothing(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await subscribe(db, (1, 2, 3, 4))
    await queue_broadcast(db, "Only for those still here")
    async with db.session() as session:
        await session.execute(update(Chat).where(Chat.id == 2).values(status="stopped"))
        await session.execute(update(Chat).where(Chat.id == 3).values(paused_indefinitely=True))
        await session.execute(update(Chat).where(Chat.id == 4).values(status="blocked"))
    # Six hours later, twice the catch-up window: broadcasts have none.
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(QUEUED_AT + dt.timedelta(hours=6))
    assert (summary.due, summary.sent, summary.skipped) == (4, 1, 3)
    assert received(fake_api, 1, "still here") == [broadcast_text("Only for those still here")]
    assert all(fake_api.messages(c) == [] for c in (2, 3, 4))
    statuses = {r.chat_id: r.status for r in await ledger_rows(db)}
    assert statuses == {1: "sent", 2: "missed", 3: "missed", 4: "missed"}
    assert [(await chat_row(db, c)).claimed_by for c in (1, 2, 3, 4)] == [None] * 4


async def test_a_dead_workers_claimed_rows_are_resent_and_sending_ones_are_not(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await subscribe(db, range(1, 7))
    await queue_broadcast(db, "Recovered news")
    async with running_engine(db, library, fake_api.url, database_url) as crashed:
        batch = await crashed.claims.claim_broadcast_batch(QUEUED_AT, TickSummary(), limit=4)
        assert batch is not None and len(batch) == 4
        # Two were being sent when the process died; the other two had not started.
        await crashed.dispatch.start_sending(batch[:2])
    sending = {o.chat_id for o in batch[:2]}
    claimed = {o.chat_id for o in batch[2:]}
    never_claimed = set(range(1, 7)) - sending - claimed
    async with running_engine(db, library, fake_api.url, database_url) as restarted:
        during_lease = await restarted.tick(QUEUED_AT + dt.timedelta(minutes=1))
        # The two never claimed go out now; the dead worker's rows wait for its lease.
        assert (during_lease.sent, during_lease.recovered) == (2, 0)
        assert all(received(fake_api, c, "Recovered") == [] for c in sending | claimed)
        summary = await restarted.tick(QUEUED_AT + CLAIM_LEASE + dt.timedelta(minutes=1))
    assert (summary.recovered, summary.sent, summary.failed) == (2, 2, 2)
    for chat_id in range(1, 7):
        expected = 0 if chat_id in sending else 1
        assert len(received(fake_api, chat_id, "Recovered")) == expected
    statuses = {r.chat_id: r.status for r in await ledger_rows(db)}
    assert {c for c, s in statuses.items() if s == "interrupted"} == sending
    assert {c for c, s in statuses.items() if s == "sent"} == claimed | never_claimed


async def test_blocked_by_403_during_the_broadcast(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await subscribe(db, (1, 2))
    await queue_broadcast(db, "Hello")
    fake_api.block(2)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(QUEUED_AT)
        evening = await engine.tick(utc("2026-11-22T20:00:00Z"))
    assert (summary.sent, summary.blocked) == (1, 1)
    assert (await chat_row(db, 2)).status == "blocked"
    assert (evening.due, evening.sent) == (1, 1)  # chat 1's tip; chat 2 is never messaged again
    assert len(fake_api.calls_for("sendMessage")) == 3

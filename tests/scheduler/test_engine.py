"""The delivery engine against a real database (SQLite and PostgreSQL) and the fake Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from content import Library, food_fits_diet
from content.diets import Diet
from devtools.fakebotapi import FakeBotAPI
from runtime.http import AiohttpRequest
from runtime.ratelimit import SendLimiter
from scheduler.engine import CLAIM_LEASE, DeliveryEngine, TickSummary, daily_batch_size
from storage import Database
from storage.models import Chat
from tests.harness import TOKEN
from tests.scheduler.helpers import (
    add_chat,
    chat_row,
    engine_settings,
    ledger_rows,
    running_engine,
    utc,
)

T0 = utc("2026-11-21T23:00:00Z")  # Saturday night, before every Sunday slot below


def texts(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [m.raw_text or "" for m in api.messages(chat_id)]


async def test_each_chat_gets_one_message_at_its_local_time(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    berlin = await add_chat(db, 1, now=T0, timezone="Europe/Berlin", at=dt.time(8, 0))
    kathmandu = await add_chat(db, 2, now=T0, timezone="Asia/Kathmandu", at=dt.time(7, 0))
    new_york = await add_chat(db, 3, now=T0, timezone="America/New_York", at=dt.time(7, 30))
    assert berlin == utc("2026-11-22T07:00:00Z")
    assert kathmandu == utc("2026-11-22T01:15:00Z")
    assert new_york == utc("2026-11-22T12:30:00Z")
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(utc("2026-11-22T01:14:00Z"))).due == 0
        first = await engine.tick(utc("2026-11-22T01:15:00Z"))
        assert (first.due, first.sent) == (1, 1)
        assert len(texts(fake_api, 2)) == 1 and texts(fake_api, 1) == []
        second = await engine.tick(utc("2026-11-22T07:00:00Z"))
        assert (second.due, second.sent) == (1, 1)
        for minute in range(1, 4):  # later ticks the same day find nothing
            later = await engine.tick(utc("2026-11-22T07:00:00Z") + dt.timedelta(minutes=minute))
            assert later.due == 0
        await engine.tick(utc("2026-11-22T12:30:00Z"))
    assert [len(texts(fake_api, c)) for c in (1, 2, 3)] == [1, 1, 1]
    message = texts(fake_api, 1)[0]
    assert "💡" in message and "🥗" in message  # tip and food in one message (1 msg/s/chat)
    assert (await chat_row(db, 1)).next_due_at == utc("2026-11-23T07:00:00Z")
    rows = await ledger_rows(db, 1)
    assert [(r.kind, r.status, str(r.local_date)) for r in rows] == [
        ("food", "sent", "2026-11-22"),
        ("tip", "sent", "2026-11-22"),
    ]


async def test_spring_forward_gap_is_sent_at_the_first_valid_minute(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    due = await add_chat(
        db, 7, now=utc("2026-03-28T12:00:00Z"), timezone="Europe/Berlin", at=dt.time(2, 30)
    )
    assert due == utc("2026-03-29T01:00:00Z")  # 03:00 summer time
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(utc("2026-03-29T00:59:00Z"))).sent == 0
        assert (await engine.tick(due)).sent == 1
        assert (await engine.tick(utc("2026-03-29T02:00:00Z"))).due == 0
    assert (await chat_row(db, 7)).next_due_at == utc("2026-03-30T00:30:00Z")


async def test_fall_back_repeat_is_sent_once_at_the_first_occurrence(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    due = await add_chat(
        db, 8, now=utc("2026-10-31T12:00:00Z"), timezone="America/New_York", at=dt.time(1, 30)
    )
    assert due == utc("2026-11-01T05:30:00Z")  # 01:30 EDT, the first of two
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(due)).sent == 1
        # 06:30Z is the second 01:30 (EST): nothing more.
        assert (await engine.tick(utc("2026-11-01T06:30:00Z"))).due == 0
    assert len(texts(fake_api, 8)) == 1
    assert (await chat_row(db, 8)).next_due_at == utc("2026-11-02T06:30:00Z")


async def test_weekly_food_day_sends_food_alone(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    # Weekly tips on Monday, a food idea on Thursday.
    await add_chat(db, 9, now=T0, frequency="weekly", food_mode="weekly", food_weekday=3)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        monday = await engine.tick(utc("2026-11-23T09:00:00Z"))
        thursday = await engine.tick(utc("2026-11-26T09:00:00Z"))
    assert (monday.sent, thursday.sent) == (1, 1)
    tip_only, food_only = texts(fake_api, 9)
    assert "💡" in tip_only and "🥗" not in tip_only
    assert "This week's food idea" in food_only and "💡" not in food_only
    assert (await chat_row(db, 9)).next_due_at == utc("2026-11-30T09:00:00Z")


async def test_paused_chats_are_skipped_and_rescheduled_after_the_pause(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    pause_end = utc("2026-11-24T15:00:00Z")
    await add_chat(db, 10, now=T0, paused_until=pause_end)
    await add_chat(db, 11, now=T0, paused_indefinitely=True)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(utc("2026-11-22T09:00:00Z"))
    assert (summary.due, summary.sent, summary.skipped) == (2, 0, 2)
    assert texts(fake_api, 10) == texts(fake_api, 11) == []
    assert (await chat_row(db, 10)).next_due_at == utc("2026-11-25T09:00:00Z")
    assert (await chat_row(db, 11)).next_due_at == utc("2026-11-23T09:00:00Z")
    assert await ledger_rows(db) == []


async def test_catch_up_window(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 12, now=T0, at=dt.time(9, 0))
    await add_chat(db, 13, now=T0, at=dt.time(6, 0))
    # The scheduler was down until 10:59: 09:00 is 1 h 59 late (sent), 06:00 is 4 h 59 late.
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(utc("2026-11-22T10:59:00Z"))
    assert (summary.due, summary.sent, summary.skipped) == (2, 1, 1)
    assert len(texts(fake_api, 12)) == 1 and texts(fake_api, 13) == []
    assert (await chat_row(db, 13)).next_due_at == utc("2026-11-23T06:00:00Z")


async def test_rotation_has_no_repeats_until_the_topic_is_exhausted(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    cramps = [t for t in library.tips if t.topic == "cramps"]
    await add_chat(db, 14, now=T0, topics=["cramps"], diet=["vegan", "no_nuts"])
    day = utc("2026-11-22T09:00:00Z")
    async with running_engine(db, library, fake_api.url, database_url, chat_interval=0) as engine:
        for n in range(len(cramps) + 2):
            assert (await engine.tick(day + dt.timedelta(days=n))).sent == 1
    rows = list(await ledger_rows(db, 14))
    tips = [str(r.item_id) for r in rows if r.kind == "tip"]
    foods = [library.food(str(r.item_id)) for r in rows if r.kind == "food"]
    first_cycle = tips[: len(cramps)]
    assert sorted(first_cycle) == sorted(t.id for t in cramps)
    assert tips[len(cramps)] in first_cycle  # a new cycle starts
    assert (await chat_row(db, 14)).tip_cycle == 2
    assert len({f.id for f in foods}) == len(foods)  # more foods than days: no repeat
    assert all(food_fits_diet(f, {Diet.VEGAN, Diet.NO_NUTS}) for f in foods)
    for text, tip_id in zip(texts(fake_api, 14), tips, strict=True):
        assert library.tip(str(tip_id)).title in text


async def test_one_tip_per_local_day_even_if_the_time_moves_later(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 15, now=T0, at=dt.time(8, 0))
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(utc("2026-11-22T08:00:00Z"))).sent == 1
        # The user moves the time to 18:00 the same day: the slot is due again today...
        async with db.session() as session:
            await session.execute(
                update(Chat)
                .where(Chat.id == 15)
                .values(delivery_time=dt.time(18, 0), next_due_at=utc("2026-11-22T18:00:00Z"))
            )
        again = await engine.tick(utc("2026-11-22T18:00:00Z"))
    # ...but the ledger already has today's tip and food.
    assert (again.due, again.sent, again.skipped) == (1, 0, 1)
    assert len(texts(fake_api, 15)) == 1
    assert (await chat_row(db, 15)).next_due_at == utc("2026-11-23T18:00:00Z")


async def test_batches_stream_through_the_whole_audience(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    for chat_id in range(100, 125):
        await add_chat(db, chat_id, now=T0)
    async with running_engine(
        db, library, fake_api.url, database_url, delivery_batch_size=4
    ) as engine:
        summary = await engine.tick(utc("2026-11-22T09:00:00Z"))
    assert (summary.due, summary.sent) == (25, 25)
    assert all(len(texts(fake_api, c)) == 1 for c in range(100, 125))


async def test_a_claim_takes_seconds_of_sending_not_the_whole_batch_size(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """At 4 messages a second a claim takes 20 chats (5 s of sending), not the 500 of
    DELIVERY_BATCH_SIZE: on SQLite a claim holds the write lock while it plans every chat,
    and replies wait for it. The next claim is made while a batch is sent, so at most the
    first group of 10 and one batch of 20 are ever claimed at once."""
    for chat_id in range(100, 140):
        await add_chat(db, chat_id, now=T0)
    claimed = select(func.count()).select_from(Chat).where(Chat.claimed_by.is_not(None))
    most = 0
    async with running_engine(db, library, fake_api.url, database_url, broadcast_rate=4) as engine:
        tick = asyncio.create_task(engine.tick(utc("2026-11-22T09:00:00Z")))
        while not tick.done():
            async with db.session() as session:
                most = max(most, await session.scalar(claimed) or 0)
            await asyncio.sleep(0.05)
        summary = await tick
    assert (summary.due, summary.sent) == (40, 40)
    assert 10 < most <= 30


def test_a_claim_is_about_five_seconds_of_sending_within_the_configured_batch() -> None:
    def size(rate: float, batch: int = 500) -> int:
        settings = engine_settings(
            "http://127.0.0.1:1", "sqlite:///x.db", broadcast_rate=rate, delivery_batch_size=batch
        )
        return daily_batch_size(settings, group_size=max(10, min(200, round(rate))))

    assert size(30) == 150  # Telegram's rate: 5 s of sending
    assert size(1000) == 500  # paid broadcasts: DELIVERY_BATCH_SIZE caps it
    assert size(30, batch=50) == 50
    assert size(1) == 10  # never below one group of sends


async def test_crash_after_claim_sends_once_after_the_lease(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    now = utc("2026-11-22T09:00:00Z")
    await add_chat(db, 20, now=T0)
    async with running_engine(db, library, fake_api.url, database_url) as crashed:
        # The worker claims (ledger rows written, schedule moved on) and dies before sending.
        batch = await crashed.claims.claim_batch(now, TickSummary())
        assert batch is not None and len(batch) == 1
    assert [r.status for r in await ledger_rows(db, 20)] == ["claimed", "claimed"]
    async with running_engine(db, library, fake_api.url, database_url) as restarted:
        # While the lease runs, nobody touches the rows.
        assert (await restarted.tick(now + dt.timedelta(minutes=1))).sent == 0
        assert texts(fake_api, 20) == []
        summary = await restarted.tick(now + CLAIM_LEASE + dt.timedelta(minutes=1))
        assert (summary.recovered, summary.sent) == (1, 1)
        assert (await restarted.tick(now + CLAIM_LEASE + dt.timedelta(minutes=2))).sent == 0
    assert len(texts(fake_api, 20)) == 1
    assert {r.status for r in await ledger_rows(db, 20)} == {"sent"}


async def test_crash_during_send_is_never_resent(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    now = utc("2026-11-22T09:00:00Z")
    await add_chat(db, 21, now=T0)
    async with running_engine(db, library, fake_api.url, database_url) as crashed:
        batch = await crashed.claims.claim_batch(now, TickSummary())
        assert batch is not None
        await crashed.dispatch.start_sending(batch)  # flagged `sending`, then the process died
    async with running_engine(db, library, fake_api.url, database_url) as restarted:
        summary = await restarted.tick(now + CLAIM_LEASE + dt.timedelta(minutes=1))
    assert (summary.sent, summary.failed) == (0, 2)
    assert texts(fake_api, 21) == []  # maybe lost, certainly not duplicated
    assert {r.status for r in await ledger_rows(db, 21)} == {"interrupted"}


async def test_two_schedulers_at_once_never_duplicate(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    chat_ids = range(1000, 1150)
    for chat_id in chat_ids:
        await add_chat(db, chat_id, now=T0)
    other_db = Database(database_url)
    try:
        async with (
            running_engine(db, library, fake_api.url, database_url, delivery_batch_size=10) as a,
            running_engine(
                other_db, library, fake_api.url, database_url, delivery_batch_size=10
            ) as b,
        ):
            now = utc("2026-11-22T09:00:00Z")
            first, second = await asyncio.gather(a.tick(now), b.tick(now))
    finally:
        await other_db.close()
    assert first.sent + second.sent == len(chat_ids)
    stats = fake_api.stats()
    assert stats.duplicates == 0
    assert all(stats.per_chat[c] == 1 for c in chat_ids)


async def test_429_waits_retry_after_and_sends_once(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 30, now=T0)
    fake_api.fail_next("sendMessage", status=429, retry_after=1)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(utc("2026-11-22T09:00:00Z"))
        limiter = engine.bot.rate_limiter
    assert summary.sent == 1
    assert isinstance(limiter, SendLimiter) and limiter.rate_limited == 1
    statuses = [c.status for c in fake_api.calls_for("sendMessage")]
    assert statuses == [429, 200]
    assert len(texts(fake_api, 30)) == 1


async def test_blocked_and_unknown_chats_are_never_messaged_again(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    for chat_id in (31, 32, 33, 34):
        await add_chat(db, chat_id, now=T0)
    fake_api.block(31)
    fake_api.deactivate(32)
    fake_api.unknown_chat(33)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(utc("2026-11-22T09:00:00Z"))
        assert (summary.sent, summary.blocked) == (1, 3)
        attempts = len(fake_api.calls_for("sendMessage"))
        for days in range(1, 3):
            await engine.tick(utc("2026-11-22T09:00:00Z") + dt.timedelta(days=days))
    assert len(fake_api.calls_for("sendMessage")) == attempts + 2  # only chat 34 again
    for chat_id in (31, 32, 33):
        chat = await chat_row(db, chat_id)
        assert (chat.status, chat.next_due_at) == ("blocked", None)
        assert {r.status for r in await ledger_rows(db, chat_id)} == {"blocked"}


async def test_server_errors_are_recorded_unknown_and_not_retried(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    # A 5xx may come from a front end that lost the answer of a delivered message: the
    # fake here did not deliver, but the engine cannot know, so it never asks twice.
    await add_chat(db, 40, now=T0)
    await add_chat(db, 41, now=T0, at=dt.time(10, 0))
    fake_api.fail_next("sendMessage", status=500, chat_id=40)
    fake_api.fail_next("sendMessage", status=502, chat_id=41)
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0, send_retries=3
    ) as engine:
        first = await engine.tick(utc("2026-11-22T09:00:00Z"))
        second = await engine.tick(utc("2026-11-22T10:00:00Z"))
        again = await engine.tick(utc("2026-11-22T10:05:00Z"))
    assert (first.failed, second.failed, again.due) == (1, 1, 0)
    for chat_id in (40, 41):
        assert {(r.status, r.attempts) for r in await ledger_rows(db, chat_id)} == {("unknown", 1)}
    assert sorted(int(c.chat_id) for c in fake_api.calls_for("sendMessage")) == [40, 41]


async def test_read_timeout_is_not_retried(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 50, now=T0)
    fake_api.delay("sendMessage", 1.0)
    settings = engine_settings(fake_api.url, database_url)
    limiter = SendLimiter(settings.broadcast_rate)
    from telegram.ext import ExtBot

    bot: ExtBot[Any] = ExtBot(
        TOKEN,
        base_url=f"{fake_api.url}/bot",
        request=AiohttpRequest(4, read_timeout=0.2),
        rate_limiter=limiter,
    )
    await bot.initialize()
    try:
        engine = DeliveryEngine(db, library, bot, settings, backoff=0.01)
        summary = await engine.tick(utc("2026-11-22T09:00:00Z"))
        # The server finishes the request the client gave up on: one message, no retry.
        await fake_api.wait_for_call("sendMessage", timeout=5)
    finally:
        await bot.shutdown()
    assert (summary.sent, summary.failed) == (0, 1)
    assert len(fake_api.calls_for("sendMessage")) == 1
    assert {r.status for r in await ledger_rows(db, 50)} == {"unknown"}

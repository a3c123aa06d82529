"""/broadcast end to end: the admin's preview and confirmation through the real bot and the
fake Bot API, the queueing in storage, and delivery by the real engine (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.handlers.admin import PRIVATE_ONLY
from bot.handlers.broadcast import EXPIRED, NOBODY
from bot.menus.kit import STALE_BUTTON as UNCLAIMED_BUTTON
from bot.services import attach, services_in
from content import Library
from devtools.fakebotapi import FakeBotAPI
from devtools.fakebotapi.builders import chat_json, user_json
from scheduler.embedded import EmbeddedDelivery
from scheduler.render import (
    BROADCAST_FOOTER,
    BROADCAST_FOOTER_PLAIN,
    TELEGRAM_TEXT_LIMIT,
    telegram_length,
)
from storage import Database, broadcasts, chats
from storage.broadcasts import BroadcastStatus
from storage.deliveries import Kind, LedgerEntry, open_entries
from storage.models import Broadcast, Chat, Delivery
from tests.harness import BotHarness, Reply, start_harness, stop_harness
from tests.scheduler.helpers import add_chat, chat_row, running_engine

ADMIN = 4242
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def admin_bot(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> AsyncIterator[BotHarness]:
    harness = await start_harness(fake_api, database_url, library, admin_ids=frozenset({ADMIN}))
    try:
        yield harness
    finally:
        await stop_harness(harness)


def broadcast_messages(api: FakeBotAPI, chat_id: int, marker: str) -> list[str]:
    return [m.raw_text or "" for m in api.messages(chat_id) if marker in (m.text or "")]


async def ledger_count(db: Database, **where: Any) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(Delivery).where(Delivery.broadcast_id.is_not(None))
        for column, value in where.items():
            query = query.where(getattr(Delivery, column) == value)
        return int(await session.scalar(query) or 0)


async def broadcast_row(db: Database, broadcast_id: int) -> Broadcast:
    async with db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None
        return row


async def subscribe_mixed_audience(bot: BotHarness) -> None:
    """Chats 1, 2, 6, 8 are recipients; 3 and 7 are paused, 4 blocked, 5 stopped."""
    for chat_id in range(1, 9):
        await bot.send("/start", chat_id=chat_id)
    await bot.send("/stop", chat_id=5)
    async with bot.db.session() as session:
        await chats.mark_blocked(session, 4)
        await session.execute(update(Chat).where(Chat.id == 3).values(paused_indefinitely=True))
        later, earlier = dt.datetime.now(dt.UTC) + dt.timedelta(days=2), NOW - dt.timedelta(days=9)
        await session.execute(update(Chat).where(Chat.id == 7).values(paused_until=later))
        await session.execute(update(Chat).where(Chat.id == 8).values(paused_until=earlier))


async def preview(bot: BotHarness, text: str, chat_id: int = ADMIN) -> list[Reply]:
    return await bot.send(text, chat_id=chat_id, user_id=ADMIN)


# ---------------------------------------------------------------- the whole journey


async def test_admin_previews_confirms_and_each_recipient_gets_it_once(
    admin_bot: BotHarness, fake_api: FakeBotAPI, database_url: str
) -> None:
    bot = admin_bot
    await subscribe_mixed_audience(bot)
    header, shown = await preview(bot, "/broadcast New: <tips> & a quiz 🎉 Привет")
    assert header.text.startswith("👀 <b>Preview</b>: this goes to 4 subscribers (active, not")
    body = "New: &lt;tips&gt; &amp; a quiz 🎉 Привет"
    assert shown.text == f"{body}\n\n{BROADCAST_FOOTER}"
    assert [label for label, _ in shown.buttons] == ["📣 Send to 4", "Cancel"]
    async with bot.db.session() as session:
        [draft] = await broadcasts.recent(session)
    assert (draft.status, draft.audience, draft.text) == (BroadcastStatus.DRAFT, 4, body)
    assert await ledger_count(bot.db) == 0  # a preview queues nothing

    message_id = bot.last_message_id(ADMIN)
    edits, answer = await bot.press(ADMIN, message_id, shown.button("Send"))
    assert answer is not None and answer.params.get("text") == "Queued"
    assert [e.text for e in edits] == [
        f"📣 Broadcast #{draft.id} queued for 4 subscribers. Send /broadcast to see its progress."
    ]
    assert fake_api.messages(ADMIN)[-1].reply_markup is None  # the buttons are gone
    assert await ledger_count(bot.db, status="queued") == 4

    fake_api.block(8)  # blocked the bot after the queueing: Telegram answers 403
    async with running_engine(bot.db, bot.library, fake_api.url, database_url) as engine:
        summary = await engine.tick(dt.datetime.now(dt.UTC))
        again = await engine.tick(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    assert (summary.sent, summary.blocked) == (3, 1)
    assert (again.due, again.sent) == (0, 0)
    for chat_id in (1, 2, 6):
        # Exactly the previewed message, once.
        assert broadcast_messages(fake_api, chat_id, "a quiz") == [shown.text]
    for chat_id in (3, 4, 5, 7, 8):
        assert broadcast_messages(fake_api, chat_id, "a quiz") == []
    assert (await chat_row(bot.db, 8)).status == "blocked"
    assert await ledger_count(bot.db, status="sent") == 3
    assert await ledger_count(bot.db, status="blocked", chat_id=8) == 1

    # Progress, for the admin.
    [usage] = await preview(bot, "/broadcast")
    assert f"#{draft.id} queued " in usage.text
    assert "for 4: sent 3 · waiting 0 · not sent 1" in usage.text
    assert "“New: &lt;tips&gt; &amp; a quiz" in usage.text
    [stats] = await preview(bot, "/stats")
    assert f"Latest broadcast: #{draft.id} queued" in stats.text
    assert "sent 3 · waiting 0 · not sent 1" in stats.text


async def test_a_broadcast_about_emergencies_is_previewed_not_triaged(
    admin_bot: BotHarness,
) -> None:
    """The admin writes to everyone, not about themselves: warning signs in the text are
    content to preview, not an emergency to answer."""
    await subscribe_mixed_audience(admin_bot)
    [_header, shown] = await preview(
        admin_bot, "/broadcast Chest pain or trouble breathing? Call emergency services now."
    )
    assert "Chest pain or trouble breathing?" in shown.text
    assert shown.button("Send")


async def test_the_admins_formatting_is_kept(admin_bot: BotHarness, fake_api: FakeBotAPI) -> None:
    await admin_bot.send("/start", chat_id=1)
    text = "/broadcast Big news: read this now"
    entities = [
        {"type": "bot_command", "offset": 0, "length": 10},
        {"type": "italic", "offset": 0, "length": 14},  # starts on the command: clipped
        {"type": "bold", "offset": 15, "length": 4},
        {"type": "text_link", "offset": 26, "length": 4, "url": "https://example.org/a?b=1"},
    ]
    mark = len(fake_api.calls)
    update_id = fake_api.inject_update(
        {
            "message": {
                "message_id": 900,
                "from": user_json(ADMIN, "Admin"),
                "chat": chat_json(ADMIN, "private", first_name="Admin"),
                "date": int(dt.datetime.now(dt.UTC).timestamp()),
                "text": text,
                "entities": entities,
            }
        }
    )
    await admin_bot.processed(update_id)
    sent = [c for c in fake_api.calls[mark:] if c.method == "sendMessage" and c.ok]
    assert len(sent) == 2
    assert sent[1].params["text"] == (
        '<i> Big</i> <b>news</b>: read <a href="https://example.org/a?b=1">this</a>'
        f" now\n\n{BROADCAST_FOOTER}"
    )


# ---------------------------------------------------------------- who may, and garbage


async def test_for_others_broadcast_is_an_unknown_command(admin_bot: BotHarness) -> None:
    await admin_bot.send("/start", chat_id=5005)
    [unknown] = await admin_bot.send("/zzzz hello", chat_id=5005)
    for text in ("/broadcast hello everyone", "/broadcast"):
        replies = await admin_bot.send(text, chat_id=5005)
        assert [r.text for r in replies] == [unknown.text.replace("/zzzz", "/broadcast")]
    assert await ledger_count(admin_bot.db) == 0
    async with admin_bot.db.session() as session:
        assert await broadcasts.recent(session) == []


async def test_a_non_admins_press_never_reaches_the_broadcast(admin_bot: BotHarness) -> None:
    bot = admin_bot
    await bot.send("/start", chat_id=1)
    group = -100777
    # In a group even the admin is sent to the private chat: no draft, nothing to press.
    [refused] = await bot.send(
        "/broadcast hi all", chat_id=group, chat_type="supergroup", user_id=ADMIN
    )
    assert refused.text == PRIVATE_ONLY and refused.buttons == []
    async with bot.db.session() as session:
        assert await broadcasts.recent(session) == []
    _, shown = await preview(bot, "/broadcast hi all")
    # The preview's Send, pressed by someone else: the usual expired button.
    for chat_id, user_id in [(ADMIN, 9), (group, 9), (group, ADMIN)]:
        message_id = bot.last_message_id(chat_id)
        edits, answer = await bot.press(chat_id, message_id, shown.button("Send"), user_id=user_id)
        assert edits == [] and answer is not None
        assert answer.params.get("text") == UNCLAIMED_BUTTON
    async with bot.db.session() as session:
        [draft] = await broadcasts.recent(session)
    assert draft.status is BroadcastStatus.DRAFT and await ledger_count(bot.db) == 0


async def test_garbage_gets_short_answers_and_queues_nothing(admin_bot: BotHarness) -> None:
    bot = admin_bot
    [nobody] = await preview(bot, "/broadcast nobody is subscribed yet")
    assert nobody.text == NOBODY
    await bot.send("/start", chat_id=1)
    for empty in ("/broadcast", "/broadcast    ", "/broadcast@magbot_test_bot"):
        [usage] = await preview(bot, empty)
        assert usage.text.startswith("📣 <b>/broadcast your message</b>")
        assert usage.text.endswith("No broadcasts yet.")

    footer = telegram_length(BROADCAST_FOOTER_PLAIN) + 2  # and the blank line before it
    body = "x" * (TELEGRAM_TEXT_LIMIT - footer + 25)
    [too_long] = await preview(bot, f"/broadcast {body}")
    assert "please cut at least 25 characters" in too_long.text
    emoji = "🦶" * 2100  # each counts 2 toward Telegram's limit
    [emoji_reply] = await preview(bot, f"/broadcast {emoji}")
    assert f"cut at least {2 * 2100 + footer - TELEGRAM_TEXT_LIMIT} characters" in emoji_reply.text
    # Just at the limit is fine.
    fits = "y" * (TELEGRAM_TEXT_LIMIT - footer)
    header, shown = await preview(bot, f"/broadcast {fits}")
    assert "goes to 1 subscriber (active" in header.text and shown.text.startswith(fits)

    message_id = bot.last_message_id(ADMIN)
    forged = shown.button("Send")[:-3] + "AAA"
    for data in (forged, "st|1|bc|send|AAAAAAAAAA", "st|zz|bc|nope|", "bc" * 30):
        edits, answer = await bot.press(ADMIN, message_id, data)
        assert edits == [] and answer is not None
        assert answer.params.get("text") in (EXPIRED, UNCLAIMED_BUTTON)
    assert await ledger_count(bot.db) == 0

    edits, answer = await bot.press(ADMIN, message_id, shown.button("Cancel"))
    assert answer is not None and answer.params.get("text") == "Cancelled"
    [cancelled] = edits
    assert cancelled.text.startswith("Cancelled: broadcast #")
    # The Send button of the cancelled preview, pressed after all (e.g. a stale client).
    edits, answer = await bot.press(ADMIN, message_id, shown.button("Send"))
    assert answer is not None
    assert answer.params.get("text") == "It was cancelled. Send /broadcast again."
    assert await ledger_count(bot.db) == 0
    [usage] = await preview(bot, "/broadcast")
    assert "cancelled" in usage.text and "“yyyy" in usage.text


async def test_a_double_tap_queues_once(admin_bot: BotHarness) -> None:
    bot = admin_bot
    for chat_id in (1, 2, 3):
        await bot.send("/start", chat_id=chat_id)
    _, shown = await preview(bot, "/broadcast twice?")
    message_id = bot.last_message_id(ADMIN)
    _, first = await bot.press(ADMIN, message_id, shown.button("Send"))
    edits, second = await bot.press(ADMIN, message_id, shown.button("Send"))
    assert first is not None and first.params.get("text") == "Queued"
    assert second is not None and second.params.get("text") == "It is already queued."
    assert edits == []  # the message already says so
    _, late_cancel = await bot.press(ADMIN, message_id, shown.button("Cancel"))
    assert late_cancel is not None and late_cancel.params.get("text") == "It is already queued."
    assert await ledger_count(bot.db) == 3


async def test_the_embedded_engine_starts_a_confirmed_broadcast_at_once(
    admin_bot: BotHarness, fake_api: FakeBotAPI
) -> None:
    """Inside `python -m bot`, Send pokes the running scheduler instead of waiting for the
    next minute."""
    bot = admin_bot
    for chat_id in (1, 2):
        await bot.send("/start", chat_id=chat_id)
    app = bot.application
    delivery = await EmbeddedDelivery.start(
        bot.settings, bot.library, bot.db, app.bot.rate_limiter, services_in(app).metrics
    )
    try:
        await asyncio.wait_for(delivery.service.ticked.wait(), 30)  # the start-up tick
        attach(app, replace(services_in(app), delivery=delivery))  # as bot.server.main does
        _, shown = await preview(bot, "/broadcast right away")
        await bot.press(ADMIN, bot.last_message_id(ADMIN), shown.button("Send"))
        # Well before the next minute's tick (unless the clock happens to be near one).
        async with asyncio.timeout(20):
            while not all(broadcast_messages(fake_api, c, "right away") for c in (1, 2)):
                await fake_api.wait_for_change(1.0)
    finally:
        await delivery.stop()
    assert all(len(broadcast_messages(fake_api, c, "right away")) == 1 for c in (1, 2))
    registry = services_in(app).metrics.registry
    assert registry.get_sample_value("magbot_deliveries_total", {"outcome": "sent"}) == 2


# ---------------------------------------------------------------- storage


async def _audience(db: Database) -> None:
    """1, 6 and 7 are recipients."""
    await add_chat(db, 1, now=NOW)
    await add_chat(db, 2, now=NOW, status="stopped")
    await add_chat(db, 3, now=NOW, status="blocked")
    await add_chat(db, 4, now=NOW, paused_indefinitely=True)
    await add_chat(db, 5, now=NOW, paused_until=NOW + dt.timedelta(hours=1))
    await add_chat(db, 6, now=NOW, paused_until=NOW - dt.timedelta(seconds=1))
    await add_chat(db, 7, now=NOW)


async def _draft(db: Database, text: str = "Hello") -> int:
    async with db.session() as session:
        return await broadcasts.create_draft(
            session, text, ADMIN, await broadcasts.audience(session, NOW)
        )


async def _queue(db: Database, broadcast_id: int) -> broadcasts.Change:
    async with db.session() as session:
        return await broadcasts.queue(session, broadcast_id, NOW)


async def test_queueing_inserts_exactly_the_recipients(db: Database) -> None:
    await _audience(db)
    broadcast_id = await _draft(db)
    assert (await broadcast_row(db, broadcast_id)).audience == 3
    change = await _queue(db, broadcast_id)
    assert change == broadcasts.Change(True, BroadcastStatus.QUEUED, 3)
    async with db.session() as session:
        rows = list(await session.scalars(select(Delivery).order_by(Delivery.chat_id)))
    assert [r.chat_id for r in rows] == [1, 6, 7]
    assert {(r.kind, r.status, r.broadcast_id, r.item_id) for r in rows} == {
        ("broadcast", "queued", broadcast_id, None)
    }
    assert {(r.local_date, r.due_at) for r in rows} == {(NOW.date(), NOW)}
    row = await broadcast_row(db, broadcast_id)
    assert (row.status, row.queued_at, row.audience) == ("queued", NOW, 3)


async def test_confirming_twice_queues_once(db: Database, database_url: str) -> None:
    await _audience(db)
    first = await _draft(db)
    assert (await _queue(db, first)).changed
    assert await _queue(db, first) == broadcasts.Change(False, BroadcastStatus.QUEUED, 3)
    assert await ledger_count(db) == 3

    # Two admins at the same moment, on two connections.
    second = await _draft(db)
    other = Database(database_url)

    async def confirm(database: Database) -> broadcasts.Change:
        async with database.session() as session:
            return await broadcasts.queue(session, second, NOW)

    try:
        results = await asyncio.gather(confirm(db), confirm(other))
    finally:
        await other.close()
    assert sorted(r.changed for r in results) == [False, True]
    assert await ledger_count(db, broadcast_id=second) == 3


async def test_cancel_and_queue_exclude_each_other(db: Database) -> None:
    await _audience(db)
    cancelled = await _draft(db)
    async with db.session() as session:
        assert (await broadcasts.cancel(session, cancelled)).changed
    assert await _queue(db, cancelled) == broadcasts.Change(False, BroadcastStatus.CANCELLED, 3)
    queued = await _draft(db)
    await _queue(db, queued)
    async with db.session() as session:
        late = await broadcasts.cancel(session, queued)
    assert late == broadcasts.Change(False, BroadcastStatus.QUEUED, 3)
    assert await _queue(db, 999) == broadcasts.Change(False, None, 0)
    assert await ledger_count(db) == 3  # only the queued one's rows


async def test_two_broadcasts_on_one_day_both_queue(db: Database) -> None:
    await _audience(db)
    for text in ("Morning news", "Evening news"):
        assert (await _queue(db, await _draft(db, text))).changed
    async with db.session() as session:
        rows = await session.execute(
            select(Delivery.chat_id, func.count()).group_by(Delivery.chat_id)
        )
        assert dict(rows.all()) == {1: 2, 6: 2, 7: 2}


async def test_the_daily_uniqueness_still_holds(db: Database) -> None:
    await add_chat(db, 1, now=NOW)
    await _queue(db, await _draft(db))  # a broadcast row the same day
    entry = LedgerEntry(1, NOW.date(), Kind.TIP, "some-tip", NOW)
    async with db.session() as session:
        assert set(await open_entries(session, [entry])) == {(1, Kind.TIP)}
    async with db.session() as session:
        assert await open_entries(session, [entry]) == {}  # the day's tip has its row
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            await session.execute(
                insert(Delivery).values(
                    chat_id=1, local_date=NOW.date(), kind="tip", status="claimed",
                    due_at=NOW, attempts=0,
                )
            )  # fmt: skip
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            broadcast_id = await session.scalar(select(func.max(Broadcast.id)))
            await session.execute(
                insert(Delivery).values(
                    chat_id=1, local_date=NOW.date() + dt.timedelta(days=1), kind="broadcast",
                    status="queued", due_at=NOW, attempts=0, broadcast_id=broadcast_id,
                )
            )  # fmt: skip

"""The shortcuts that keep a reply to a few database round trips: open settings
questions known in memory (bot.open_questions) and served counts written in batches
(bot.served_tally). Both must never change what the person sees or what /stats counts.
Slow tables are loaded before the first update (Feature.warm_up)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from bot.handlers import warm_up_all
from bot.open_questions import OpenQuestions
from bot.served_tally import ServedTally
from bot.services import services_in
from content import Library
from content.zones import default_resolver
from devtools.fakebotapi import FakeBotAPI
from storage import Database, feedback
from storage.models import Chat, FaqServed
from tests.harness import BotHarness, start_harness, stop_harness
from tests.menu_helpers import open_settings, tap
from tests.scheduler.helpers import add_chat

CHAT = 1001
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


async def _set_awaiting(db: Database, chat_id: int, question: str | None) -> None:
    async with db.session() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat_id).values(awaiting=question, awaiting_user_id=None)
        )


async def test_sole_handler_reads_questions_left_open_before_it_started(db: Database) -> None:
    await add_chat(db, 1, now=NOW)
    await add_chat(db, 2, now=NOW)
    await _set_awaiting(db, 1, "timezone")
    questions = OpenQuestions(sole_handler=True)
    assert await questions.pending(db, 1) == ("timezone", None)
    assert await questions.pending(db, 2) is None
    # Answered (cleared in the database): the next look finds nothing and forgets the chat.
    await _set_awaiting(db, 1, None)
    assert await questions.pending(db, 1) is None


async def test_sole_handler_sees_the_questions_it_opens(db: Database) -> None:
    await add_chat(db, 3, now=NOW)
    questions = OpenQuestions(sole_handler=True)
    assert await questions.pending(db, 3) is None
    questions.opened(3)
    await _set_awaiting(db, 3, "time")
    assert await questions.pending(db, 3) == ("time", None)


async def test_webhook_workers_always_ask_the_database(db: Database) -> None:
    """Another worker may have opened the question: nothing is assumed."""
    await add_chat(db, 4, now=NOW)
    questions = OpenQuestions(sole_handler=False)
    assert await questions.pending(db, 4) is None
    await _set_awaiting(db, 4, "timezone")  # opened elsewhere, never `opened()` here
    assert await questions.pending(db, 4) == ("timezone", None)


async def test_a_question_open_across_a_restart_still_takes_the_typed_answer(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> None:
    first = await start_harness(fake_api, database_url, library)
    try:
        await first.send("/start", CHAT)
        await open_settings(first, CHAT)
        await tap(first, CHAT, "🌍")
    finally:
        await stop_harness(first)
    second = await start_harness(fake_api, database_url, library)
    try:
        replies = await second.send("Sydney", CHAT)
        assert "Australia/Sydney" in replies[0].text
        async with second.db.session() as session:
            chat = await session.get(Chat, CHAT)
        assert chat is not None and chat.timezone == "Australia/Sydney" and chat.awaiting is None
    finally:
        await stop_harness(second)


async def test_a_command_still_closes_the_open_question(bot: BotHarness) -> None:
    await bot.send("/start")
    await open_settings(bot)
    await tap(bot, CHAT, "🌍")
    await bot.send("/help")
    async with bot.db.session() as session:
        chat = await session.get(Chat, CHAT)
    assert chat is not None and chat.awaiting is None
    # So a typed place name is a question for /ask now, not a time zone.
    await bot.send("Sydney")
    async with bot.db.session() as session:
        chat = await session.get(Chat, CHAT)
    assert chat is not None and chat.timezone == "UTC"


async def _served(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {row.faq_id: row.count for row in await session.scalars(select(FaqServed))}


async def test_served_tally_writes_sums_and_close_writes_the_rest(db: Database) -> None:
    await db.run(feedback.record_served, {"night-leg-cramps": 2})
    tally = ServedTally(db, interval=3600)
    for faq_id in ["night-leg-cramps", "night-leg-cramps", "magnesium-for-sleep"]:
        tally.add(faq_id)
    assert await _served(db) == {"night-leg-cramps": 2}  # nothing written yet
    await tally.flush()
    assert await _served(db) == {"night-leg-cramps": 4, "magnesium-for-sleep": 1}
    tally.add("magnesium-for-sleep")
    await tally.close()
    assert await _served(db) == {"night-leg-cramps": 4, "magnesium-for-sleep": 2}


async def test_served_tally_keeps_its_counts_when_a_write_fails(
    db: Database, tmp_path: Path
) -> None:
    unmigrated = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    tally = ServedTally(unmigrated, interval=3600)
    tally.add("night-leg-cramps")
    with pytest.raises(SQLAlchemyError):
        await tally.flush()  # no faq_served table there
    await unmigrated.close()
    tally.db = db
    await tally.close()
    assert await _served(db) == {"night-leg-cramps": 1}


async def test_answers_are_counted_once_each_by_stats(bot: BotHarness) -> None:
    for _ in range(3):
        await bot.send("why do my legs cramp at night")
    await services_in(bot.application).served.flush()
    assert (await _served(bot.db)).get("night-leg-cramps") == 3


def test_warm_up_loads_the_city_tables_before_any_update() -> None:
    default_resolver.cache_clear()
    warm_up_all()
    # Built once, here: the first /settings city lookup finds it ready.
    assert default_resolver.cache_info().currsize == 1
    assert default_resolver().resolve("Berlin").zone == "Europe/Berlin"

"""Menu message ids are noted in memory and written in batches (bot.menu_ledger): the next
menu still removes the previous one's buttons whether or not the id was written yet."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.menu_ledger import MenuLedger
from bot.services import services_in
from storage import Database
from storage.models import Chat
from tests.harness import BotHarness
from tests.menu_helpers import open_settings
from tests.scheduler.helpers import add_chat

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


async def _menu_ids(db: Database) -> dict[int, int | None]:
    async with db.session() as session:
        rows = await session.execute(select(Chat.id, Chat.menu_message_id))
        return {row[0]: row[1] for row in rows}


async def test_ids_noted_together_are_written_and_the_latest_wins(db: Database) -> None:
    for chat_id in (1, 2, 3):
        await add_chat(db, chat_id, now=NOW)
    ledger = MenuLedger(db)
    ledger.note(1, 10)
    ledger.note(2, 20)
    ledger.note(1, 11)  # a newer menu of chat 1 before anything was written
    assert ledger.take(3) is None
    await ledger.flush()
    assert await _menu_ids(db) == {1: 11, 2: 20, 3: None}
    assert ledger.take(1) is None  # written: the row has it now


async def test_a_menu_opened_before_the_write_takes_the_id_from_memory(db: Database) -> None:
    await add_chat(db, 4, now=NOW)
    ledger = MenuLedger(db)
    ledger.note(4, 40)
    assert ledger.take(4) == 40
    await ledger.flush()
    # Taken by the newer menu, which notes its own id: the old one is never written.
    assert await _menu_ids(db) == {4: None}


async def test_a_forgotten_chat_is_skipped(db: Database) -> None:
    await add_chat(db, 5, now=NOW)
    await add_chat(db, 6, now=NOW)
    async with db.session() as session:
        await session.execute(delete(Chat).where(Chat.id == 6))
    ledger = MenuLedger(db)
    ledger.note(5, 50)
    ledger.note(6, 60)  # /forget ran meanwhile
    await ledger.flush()
    assert await _menu_ids(db) == {5: 50}


async def test_a_failed_write_is_logged_and_the_ledger_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Database(f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}")  # never migrated
    ledger = MenuLedger(broken)
    ledger.note(7, 70)
    await ledger.flush()  # does not raise into the handler that noted it
    assert ledger.take(7) is None
    assert any(record.levelname == "ERROR" for record in caplog.records)
    ledger.note(7, 71)  # and a later menu is written again (and fails again) without a hang
    await ledger.flush()
    await broken.close()


async def test_each_new_menu_strips_the_previous_one_at_once(bot: BotHarness) -> None:
    await bot.send("/start")
    ids = []
    for _ in range(3):
        await open_settings(bot)
        ids.append(bot.last_message_id(1001))
    # Every /settings removed the buttons of the menu before it, written to the row or not.
    stripped = [
        call.params["message_id"]
        for call in bot.api.calls
        if call.method == "editMessageReplyMarkup"
    ]
    assert stripped[-2:] == ids[:2]
    await services_in(bot.application).menus.flush()
    async with bot.db.session() as session:
        assert await session.scalar(select(Chat.menu_message_id).where(Chat.id == 1001)) == ids[2]


async def test_menus_of_many_chats_at_once_are_all_recorded(bot: BotHarness) -> None:
    chats = list(range(2001, 2021))
    await asyncio.gather(*(bot.send("/start", chat_id) for chat_id in chats))
    await asyncio.gather(*(bot.send("/settings", chat_id) for chat_id in chats))
    await services_in(bot.application).menus.flush()
    ids = await _menu_ids(bot.db)
    assert all(ids[chat_id] == bot.last_message_id(chat_id) for chat_id in chats)

"""End-to-end harness: the real Application, in-process, talking HTTP to the fake Bot API.

Tests inject updates as Telegram would and read back exactly what the bot sent over the
wire. The only addition to the real wiring is a wrapper around the update processor that
tells the test when an update has been fully processed, so tests never sleep and guess.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.app import build_application, publish_menu
from bot.config import BotSettings
from bot.services import AnyApplication, services_in
from content import Library
from devtools.fakebotapi import FakeBotAPI
from devtools.fakebotapi.records import Call
from devtools.tracking import UpdateTracker
from storage import Database, migrate
from storage.models import Chat

TOKEN = "123456789:TESTtokenTESTtokenTESTtoken-abcdef"
SENDS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}


@dataclass
class Reply:
    """One thing the bot did in a chat in answer to an update."""

    method: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def button(self, label_part: str) -> str:
        """The callback data of the first button whose label contains `label_part`."""
        for label, data in self.buttons:
            if label_part.lower() in label.lower():
                return data
        raise AssertionError(f"no button like {label_part!r} in {[b[0] for b in self.buttons]}")


@dataclass
class BotHarness:
    api: FakeBotAPI
    application: AnyApplication
    db: Database
    library: Library
    settings: BotSettings
    tracker: UpdateTracker = field(default_factory=UpdateTracker)

    def track_completion(self) -> None:
        """Count an update as processed when its handlers finish, however they finish."""
        self.tracker.attach(self.application.update_processor)

    async def processed(self, update_id: int, limit: float = 15.0) -> None:
        async with asyncio.timeout(limit):
            await self.tracker.wait(update_id)

    def _replies_since(self, mark: int, chat_id: int) -> list[Reply]:
        calls: Iterable[Call] = self.api.calls[mark:]
        return [
            Reply(call.method, dict(call.params))
            for call in calls
            if call.ok and call.method in SENDS and _same_chat(call.chat_id, chat_id)
        ]

    async def send(self, text: str, chat_id: int = 1001, **options: Any) -> list[Reply]:
        """A user sends `text`; returns what the bot sent to that chat in answer."""
        mark = len(self.api.calls)
        update_id = self.api.send_text(chat_id, text, **options)
        await self.processed(update_id)
        return self._replies_since(mark, chat_id)

    async def send_media(
        self, media: dict[str, Any], chat_id: int = 1001, **options: Any
    ) -> list[Reply]:
        """A user sends a photo, voice message or sticker (`media`); the bot's answer."""
        mark = len(self.api.calls)
        update_id = self.api.send_media(chat_id, media, **options)
        await self.processed(update_id)
        return self._replies_since(mark, chat_id)

    async def press(
        self, chat_id: int, message_id: int, data: str, **options: Any
    ) -> tuple[list[Reply], Call | None]:
        """A user taps a button; returns the bot's replies and its answerCallbackQuery."""
        mark = len(self.api.calls)
        query_id = self.api.press_button(chat_id, message_id, data, **options)
        update_id = self.api.pending_updates()[-1]["update_id"]
        await self.processed(update_id)
        answers = [
            c for c in self.api.calls[mark:]
            if c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id
        ]  # fmt: skip
        return self._replies_since(mark, chat_id), (answers[0] if answers else None)

    async def send_location(
        self, chat_id: int, latitude: float, longitude: float, **options: Any
    ) -> list[Reply]:
        mark = len(self.api.calls)
        update_id = self.api.send_location(chat_id, latitude, longitude, **options)
        await self.processed(update_id)
        return self._replies_since(mark, chat_id)

    def last_message_id(self, chat_id: int) -> int:
        message = self.api.last_message(chat_id)
        assert message is not None, "the bot has sent nothing to this chat"
        return message.message_id


def _same_chat(value: Any, chat_id: int) -> bool:
    try:
        return int(value) == chat_id
    except (TypeError, ValueError):
        return False


# The private chat most end-to-end tests talk in.
DEFAULT_CHAT = 1001


async def set_chat(bot: BotHarness, chat_id: int = DEFAULT_CHAT, **values: object) -> None:
    """Set stored chat fields directly (a profile the test needs, without the menus)."""
    async with bot.db.session() as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        for name, value in values.items():
            setattr(chat, name, value)


def make_settings(api_url: str, database_url: str, **overrides: Any) -> BotSettings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": database_url,
        "scheduler_enabled": False,
        "broadcast_rate": 1000,
        # Pacing has its own tests (tests/scheduler/test_ratelimit.py, with real intervals);
        # everywhere else a scripted chat must not wait a real second per reply.
        "chat_send_interval": 0,
    }
    values.update(overrides)
    return BotSettings(_env_file=None, **values)


async def start_harness(
    api: FakeBotAPI,
    database_url: str,
    library: Library,
    *,
    sole_handler: bool = True,
    **overrides: Any,
) -> BotHarness:
    settings = make_settings(api.url, database_url, **overrides)
    db = Database(settings.database_url)
    await migrate.upgrade(db)
    application = build_application(settings, library, db)
    harness = BotHarness(api, application, db, library, settings)
    harness.track_completion()
    # As `python -m bot` does (`sole_handler`: polling, not one of several webhook workers).
    await db.cache_chats(sole_handler=sole_handler)
    await application.initialize()
    await publish_menu(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(timeout=1, allowed_updates=Update.ALL_TYPES)
    return harness


async def stop_harness(harness: BotHarness) -> None:
    application = harness.application
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    await services_in(application).close()
    await harness.db.close()

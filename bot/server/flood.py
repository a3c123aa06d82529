"""Flood control: a chat sending more than `limit` messages a minute is told once to slow
down, then ignored for a minute.

Only messages count; button taps edit the bot's own messages and are answered one for one,
so they cannot make the bot send more than it is sent. The windows live in the
Application's bot_data, per process: with several webhook workers each one enforces the
limit on the share of a chat's messages it sees.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.pipeline import Stage
from bot.services import services_of

WINDOW = 60.0
SLOW_DOWN = (
    "🐢 You are sending messages faster than I can read them. "
    "I will ignore new messages for a minute; then I am all yours again."
)
_KEY = "magbot.server.flood"

log = logging.getLogger(__name__)


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the message that crossed the limit: answer it with SLOW_DOWN
    IGNORE = "ignore"  # muted: no reply at all


@dataclass
class _Chat:
    times: deque[float] = field(default_factory=deque)
    muted_until: float = 0.0


class FloodGuard:
    """Sliding one-minute windows of message times, per chat."""

    def __init__(
        self, limit: int, window: float = WINDOW, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._chats: dict[int, _Chat] = {}
        self._next_sweep = clock() + window

    def __len__(self) -> int:
        return len(self._chats)

    def check(self, chat_id: int) -> Verdict:
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        chat = self._chats.setdefault(chat_id, _Chat())
        if chat.muted_until > now:
            return Verdict.IGNORE
        times = chat.times
        while times and times[0] <= now - self.window:
            times.popleft()
        times.append(now)
        if len(times) > self.limit:
            chat.muted_until = now + self.window
            times.clear()
            return Verdict.WARN
        return Verdict.ALLOW

    def _sweep(self, now: float) -> None:
        """Forget chats that have been quiet for a whole window, so memory stays flat."""
        quiet = now - self.window
        self._chats = {
            chat_id: chat
            for chat_id, chat in self._chats.items()
            if chat.muted_until > now or (chat.times and chat.times[-1] > quiet)
        }
        self._next_sweep = now + self.window


def install(application: Application[Any, Any, Any, Any, Any, Any], limit: int) -> None:
    application.bot_data[_KEY] = FloodGuard(limit)
    application.add_handler(TypeHandler(Update, _guard), group=Stage.FLOOD)


async def _guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message or update.edited_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    guard = context.bot_data[_KEY]
    assert isinstance(guard, FloodGuard)
    verdict = guard.check(chat.id)
    if verdict is Verdict.ALLOW:
        return
    services_of(context).metrics.flood_muted.inc()
    if verdict is Verdict.WARN:
        try:
            await message.reply_text(SLOW_DOWN)
        except TelegramError:  # the chat stays muted either way; nothing else to do
            log.warning("could not send the slow-down notice chat_id=%s", chat.id)
    raise ApplicationHandlerStop

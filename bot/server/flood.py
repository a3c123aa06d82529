"""Flood control: a chat sending more than `limit` messages a minute is told once to slow
down, then ignored for a minute; button taps have a budget of their own, with the same rule.

Taps count too: a tap is answered one for one, but many (📊 Today sends a chart) cost
real work, and a chat's updates run one at a time, so a burst of them is a backlog.
The windows live in the Application's bot_data, per process: with several webhook
workers each one enforces the limit on the share of a chat's updates it sees.

`ask_to_wait` is the notice for a chat whose backlog is full (bot.server.ordering).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.pipeline import Stage
from bot.services import AnyApplication, services_of

WINDOW = 60.0
SLOW_DOWN = (
    "🐢 You are sending messages faster than I can read them. "
    "I will ignore new messages for a minute; then I am all yours again."
)
# A toast on the button (at most 200 characters).
SLOW_DOWN_TAPS = (
    "🐢 That is a lot of taps! I will ignore buttons for a minute, then they work again."
)
BACKLOG_FULL = (
    "🐢 I am still working through your earlier messages, so I skipped the newest ones. "
    "Please wait for my answers, then try again."
)
_KEY = "magbot.server.flood"
_TAPS_KEY = "magbot.server.flood.taps"

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


def install(application: AnyApplication, limit: int, tap_limit: int) -> None:
    application.bot_data[_KEY] = FloodGuard(limit)
    application.bot_data[_TAPS_KEY] = FloodGuard(tap_limit)
    application.add_handler(TypeHandler(Update, _guard), group=Stage.FLOOD)


async def _guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message or update.edited_message
    query = update.callback_query
    chat = update.effective_chat
    if chat is None or (message is None and query is None):
        return
    guard = context.bot_data[_KEY if message is not None else _TAPS_KEY]
    assert isinstance(guard, FloodGuard)
    verdict = guard.check(chat.id)
    if verdict is Verdict.ALLOW:
        return
    services_of(context).metrics.flood_muted.inc()
    if verdict is Verdict.WARN:
        try:
            if message is not None:
                await message.reply_text(SLOW_DOWN)
            elif query is not None:
                await query.answer(SLOW_DOWN_TAPS)
        except TelegramError:  # the chat stays muted either way; nothing else to do
            log.warning("could not send the slow-down notice chat_id=%s", chat.id)
    # Muted taps get no answer either: answering each would be the work being refused.
    raise ApplicationHandlerStop


async def ask_to_wait(update: Update) -> None:
    """Tell a chat whose backlog is full that its newest updates were skipped."""
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(BACKLOG_FULL)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(BACKLOG_FULL)
    except TelegramError:  # updates are dropped either way; nothing else to do
        chat = update.effective_chat
        log.warning("could not send the backlog notice chat_id=%s", chat.id if chat else None)

"""What every handler needs, stored once in the Application's bot_data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol

from telegram.ext import Application, CallbackContext

from bot.commands import CommandInfo
from bot.config import BotSettings
from bot.menu_ledger import MenuLedger
from bot.menus.callbacks import CallbackCodec
from bot.open_questions import OpenQuestions
from bot.served_tally import ServedTally
from bot.server.metrics import Metrics
from content import Library
from content.answering import Answerer
from storage import Database

# Every Application this bot builds; its type parameters are left open.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

_KEY = "magbot.services"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DeliveryLink(Protocol):
    """The in-process delivery engine as handlers reach it (scheduler.embedded)."""

    def use_library(self, library: Library) -> None: ...

    def run_soon(self) -> None: ...


@dataclass(frozen=True)
class Services:
    settings: BotSettings
    library: Library
    db: Database
    commands: Sequence[CommandInfo]
    # /ask's FAQ index, built once per library (see content.answering).
    answerer: Answerer
    # How often each answer was shown, written in batches (see bot.served_tally).
    served: ServedTally
    # Which message holds each chat's menu, written in batches (see bot.menu_ledger).
    menus: MenuLedger
    # This Application's own Prometheus registry and metrics (see bot.server.metrics).
    metrics: Metrics = field(default_factory=Metrics)
    # The delivery engine running in this process (SCHEDULER_ENABLED), if any.
    delivery: DeliveryLink | None = None
    # Which chats may have a settings question open (see bot.open_questions).
    open_questions: OpenQuestions = field(default_factory=lambda: OpenQuestions(sole_handler=False))
    # The current instant for learning features (quizzes, tip buttons, streaks); a test
    # replaces it to run the bot and the delivery engine on one simulated week.
    clock: Callable[[], dt.datetime] = utc_now

    def now(self) -> dt.datetime:
        return self.clock()

    async def close(self) -> None:
        """Write what is kept in memory for batched writes (before the database closes)."""
        await self.menus.flush()
        await self.served.close()

    @cached_property
    def codec(self) -> CallbackCodec:
        """Signs every button's callback data and checks it on a press (bot.menus.callbacks)."""
        return CallbackCodec(self.settings.bot_token.get_secret_value())

    def with_library(self, library: Library) -> Services:
        """The same services on reloaded content (/reload swaps the whole Services at once,
        so a handler never sees new content next to an index built from the old).
        Anything derived from the library must be rebuilt here."""
        return replace(self, library=library, answerer=Answerer.build(library))


def attach(application: AnyApplication, services: Services) -> None:
    application.bot_data[_KEY] = services


def services_in(application: AnyApplication) -> Services:
    found = application.bot_data[_KEY]
    assert isinstance(found, Services)
    return found


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found = context.bot_data[_KEY]
    assert isinstance(found, Services)
    return found

"""What every handler needs, stored once in the Application's bot_data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.commands import CommandInfo
from bot.settings import BotSettings
from content import Library
from storage import Database

_KEY = "magbot.services"


@dataclass(frozen=True)
class Services:
    settings: BotSettings
    library: Library
    db: Database
    commands: Sequence[CommandInfo]


def attach(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    application.bot_data[_KEY] = services


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found = context.bot_data[_KEY]
    assert isinstance(found, Services)
    return found

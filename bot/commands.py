"""The command menu: one list feeds setMyCommands and /help, so they never disagree."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import BotCommand, Update
from telegram.ext import CommandHandler, ContextTypes

from content.answering.normalise import POLITE_OPENERS

if TYPE_CHECKING:
    from bot.services import AnyApplication


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str
    # Shown in /help and the menu; admin commands stay hidden from everyone else.
    public: bool = True


@dataclass(frozen=True)
class Feature:
    """A handler module: the commands it offers and how it adds its handlers."""

    commands: Sequence[CommandInfo]
    register: Callable[[AnyApplication], None]
    # Slow one-off work (loading tables) done before the first update is taken, so that
    # neither the first person nor the first busy seconds pay for it.
    warm_up: Callable[[], object] | None = None


def menu(commands: Sequence[CommandInfo]) -> list[BotCommand]:
    return [BotCommand(c.name, c.description) for c in commands if c.public]


def help_lines(commands: Sequence[CommandInfo]) -> list[str]:
    return [f"/{c.name} - {c.description}" for c in commands if c.public]


# What people type for a command: its name without the slash, or a few words for it.
_ALIASES = {
    "menu": "help",
    "commands": "help",
    "subscribe": "start",
    "unpause": "resume",
    "give me a tip": "tip",
    "send me a tip": "tip",
    "another tip": "tip",
    "new tip": "tip",
    "tip of the day": "tip",
    "quiz me": "quiz",
    "test me": "quiz",
    "start a quiz": "quiz",
    "start the quiz": "quiz",
    "my progress": "progress",
    "show my progress": "progress",
    "how am i doing": "progress",
    "my streak": "progress",
    "what did i eat today": "today",
    "what have i eaten today": "today",
    "my log": "today",
    "show my log": "today",
}
_POLITE = re.compile(rf"^(?:(?:{POLITE_OPENERS})\s+)+|(?:\s+(?:please|pls|now))+$")
_NOT_WORD = re.compile(r"[^a-z ]+")


def typed_command(text: str, commands: Sequence[CommandInfo]) -> CommandInfo | None:
    """The public command a message names without its slash ("settings", "quiz?") or asks
    for in a few words ("give me a tip", "how am I doing?")."""
    if len(text) > 40:
        return None
    words = " ".join(_NOT_WORD.sub(" ", text.casefold().replace("'", "")).split())
    words = _POLITE.sub("", words)
    name = _ALIASES.get(words, words)
    return next((c for c in commands if c.public and c.name == name), None)


async def run_command(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str) -> bool:
    """Run the command "settings" or "quiz" names, typed without its slash, as if it had one:
    the handler registered for it reads no more than the words after the command (none)."""
    for handlers in context.application.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler) and name in handler.commands:
                await handler.callback(update, context)
                return True
    return False

"""Which typed words name a command without its slash."""

from __future__ import annotations

import pytest

from bot.commands import CommandInfo, typed_command

COMMANDS = [
    CommandInfo("help", "what I can do"),
    CommandInfo("settings", "time zone, time and more"),
    CommandInfo("start", "subscribe"),
    CommandInfo("tip", "a tip"),
    CommandInfo("progress", "your streak"),
    CommandInfo("today", "your day"),
    CommandInfo("stats", "numbers", public=False),
]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("settings", "settings"),
        ("  Settings! ", "settings"),
        ("/settings?", "settings"),
        ("menu", "help"),
        ("commands", "help"),
        ("subscribe", "start"),
        ("settings please", "settings"),
        ("Can you give me a tip?", "tip"),
        ("How am I doing?", "progress"),
        ("what did I eat today", "today"),
        ("thanks, settings", "settings"),  # the same polite words as typed settings
    ],
)
def test_command_words(text: str, name: str) -> None:
    command = typed_command(text, COMMANDS)
    assert command is not None and command.name == name


@pytest.mark.parametrize(
    "text", ["stats", "open settings", "", "⚙️", "настройки", "quiz", "give me a tip " * 4]
)
def test_other_text_names_no_command(text: str) -> None:
    # "stats" is an admin command: never run from a typed word. "quiz" is not in this list.
    assert typed_command(text, COMMANDS) is None

"""Inline keyboards for the bot's own menus, every button signed for one chat and menu."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.menus.callbacks import CallbackCodec

CHECK = "✅"
UNCHECKED = "▫️"
BACK = "⬅️ Back"
DONE = "Done"


def checked(label: str, on: bool) -> str:
    return f"{CHECK if on else UNCHECKED} {label}"


def marked(label: str, on: bool) -> str:
    """A single-choice option: only the current one carries the check mark."""
    return f"{CHECK} {label}" if on else label


@dataclass(frozen=True)
class Buttons:
    """The buttons of a message in one chat, each one's callback data signed for that chat
    (bot.menus.callbacks): a feature's handler reads back only what it signed."""

    codec: CallbackCodec
    chat_id: int

    def __call__(self, label: str, family: str, *fields: str) -> InlineKeyboardButton:
        data = self.codec.sign(self.chat_id, family, *fields)
        return InlineKeyboardButton(label, callback_data=data)


@dataclass
class Keyboard:
    """Rows of buttons whose callback data is signed for `chat_id` and menu `version`."""

    codec: CallbackCodec
    chat_id: int
    version: int
    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)

    def button(self, label: str, action: str, arg: str = "") -> InlineKeyboardButton:
        data = self.codec.encode(self.chat_id, self.version, action, arg)
        return InlineKeyboardButton(label, callback_data=data)

    def row(self, *buttons: tuple[str, str, str] | tuple[str, str]) -> Keyboard:
        self.rows.append([self.button(*spec) for spec in buttons])
        return self

    def grid(self, buttons: Iterable[tuple[str, str, str]], per_row: int) -> Keyboard:
        current: list[InlineKeyboardButton] = []
        for spec in buttons:
            current.append(self.button(*spec))
            if len(current) == per_row:
                self.rows.append(current)
                current = []
        if current:
            self.rows.append(current)
        return self

    def back_done(self, back_to: str = "main") -> Keyboard:
        return self.row((BACK, "m", back_to), (DONE, "done"))

    def markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(self.rows)

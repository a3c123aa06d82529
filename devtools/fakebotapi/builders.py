"""Builders for the JSON objects Telegram sends: users, chats, incoming messages, queries."""

from __future__ import annotations

import struct

from .wire import JsonDict

DEFAULT_GROUP_USER_ID = 4242


def user_json(user_id: int, first_name: str, username: str | None = None) -> JsonDict:
    user: JsonDict = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": "en",
    }
    if username is not None:
        user["username"] = username
    return user


def chat_json(
    chat_id: int, chat_type: str, *, first_name: str | None = None, title: str | None = None
) -> JsonDict:
    chat: JsonDict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = first_name or f"User{chat_id}"
    else:
        chat["title"] = title or f"Group {chat_id}"
    return chat


def guess_chat_type(chat_id: int) -> str:
    # Telegram's id ranges: users are positive, supergroups/channels are -100..., groups negative.
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def command_entities(text: str) -> list[JsonDict]:
    """The bot_command entity Telegram attaches when a message starts with a command."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]


def utf16_length(text: str) -> int:
    # Telegram measures entity offsets and lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; (0, 0) when the format is not recognised."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 0, 0

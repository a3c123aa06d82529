"""Callback data for the bot's own menus: short, signed, and bound to one chat and menu.

Format: `st|<menu version, base 36>|<action>|<argument>|<mac>`, at most 64 bytes. The MAC
is an HMAC over the chat id and everything before it, keyed by a secret derived from the
bot token, so edited payloads and buttons copied from another chat are detected. The
menu version makes buttons of older menus expire: each new menu bumps the chat's version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

PREFIX = "st"
PATTERN = rf"^{PREFIX}\|"
MAX_BYTES = 64
_MAC_CHARS = 10  # 60 bits: forging one by trial would take ~10^18 taps
_SEPARATOR = "|"


@dataclass(frozen=True)
class Press:
    """A verified button press: which menu version it came from and what it asks for."""

    version: int
    action: str
    arg: str = ""


class CallbackCodec:
    """Encodes and verifies callback data for one bot token."""

    def __init__(self, bot_token: str) -> None:
        # Derived, never the token itself, so the MAC key cannot leak the token.
        self._key = hashlib.sha256(b"magbot/callback-data/v1\0" + bot_token.encode()).digest()

    def encode(self, chat_id: int, version: int, action: str, arg: str = "") -> str:
        if _SEPARATOR in action or _SEPARATOR in arg or not action:
            raise ValueError(f"bad callback action/argument: {action!r} {arg!r}")
        body = _SEPARATOR.join((PREFIX, _base36(version), action, arg))
        data = f"{body}{_SEPARATOR}{self._mac(chat_id, body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def decode(self, chat_id: int, data: str) -> Press | None:
        """The press `data` stands for in this chat, or None if it is malformed or forged."""
        if len(data.encode()) > MAX_BYTES:
            return None
        body, _, mac = data.rpartition(_SEPARATOR)
        parts = body.split(_SEPARATOR)
        if len(parts) != 4 or parts[0] != PREFIX or not parts[2]:
            return None
        # Bytes, because compare_digest refuses non-ASCII str (forged data may be any text).
        if not hmac.compare_digest(mac.encode(), self._mac(chat_id, body).encode()):
            return None
        try:
            version = int(parts[1], 36)
        except ValueError:
            return None
        return Press(version, parts[2], parts[3])

    def _mac(self, chat_id: int, body: str) -> str:
        digest = hmac.new(self._key, f"{chat_id}{_SEPARATOR}{body}".encode(), "sha256").digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]


def _base36(number: int) -> str:
    if number < 0:
        raise ValueError("menu versions are not negative")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text

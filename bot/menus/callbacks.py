"""Callback data for every button the bot sends: short, signed, and bound to one chat.

Format: `<family>|<field>|...|<mac>`, at most 64 bytes (Telegram's limit). The MAC is an
HMAC over the chat id and everything before it, keyed by a secret derived from the bot
token, so edited payloads and buttons copied from another chat are detected before any
handler reads a field; each handler then parses its family's fields strictly.

The settings menus are the family `st`: `st|<menu version, base 36>|<action>|<argument>|<mac>`.
The menu version makes buttons of older menus expire: each new menu bumps the chat's version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

PREFIX = "st"
PATTERN = rf"^{PREFIX}\|"
MAX_BYTES = 64
_MAC_CHARS = 10  # 60 bits: forging one by trial would take ~10^18 taps
_SEPARATOR = "|"
_VERSION = re.compile(r"[0-9a-z]{1,13}")
# Content ids longer than this travel as a digest, so a button with an id and an
# argument still fits in 64 bytes (ids may have up to 48 characters).
REF_CHARS = 32
_REF_DIGEST_CHARS = 12


@dataclass(frozen=True)
class Press:
    """A verified button press: which menu version it came from and what it asks for."""

    version: int
    action: str
    arg: str = ""


class CallbackCodec:
    """Signs and verifies callback data for one bot token."""

    def __init__(self, bot_token: str) -> None:
        # Derived, never the token itself, so the MAC key cannot leak the token.
        self._key = hashlib.sha256(b"magbot/callback-data/v1\0" + bot_token.encode()).digest()

    def sign(self, chat_id: int, family: str, *fields: str) -> str:
        """Callback data carrying `fields` for the `family` handler, valid in `chat_id` only."""
        if not family or any(_SEPARATOR in part for part in (family, *fields)):
            raise ValueError(f"bad callback family/fields: {family!r} {fields!r}")
        body = _SEPARATOR.join((family, *fields))
        data = f"{body}{_SEPARATOR}{self._mac(chat_id, body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def verify(self, chat_id: int, data: str, family: str) -> tuple[str, ...] | None:
        """The fields of `data`, if it is `family`'s and was signed for this chat; else None."""
        if len(data.encode()) > MAX_BYTES:
            return None
        body, separator, mac = data.rpartition(_SEPARATOR)
        parts = body.split(_SEPARATOR)
        if not separator or parts[0] != family:
            return None
        # Bytes, because compare_digest refuses non-ASCII str (forged data may be any text).
        if not hmac.compare_digest(mac.encode(), self._mac(chat_id, body).encode()):
            return None
        return tuple(parts[1:])

    def encode(self, chat_id: int, version: int, action: str, arg: str = "") -> str:
        if not action:
            raise ValueError(f"bad callback action: {action!r}")
        return self.sign(chat_id, PREFIX, _base36(version), action, arg)

    def decode(self, chat_id: int, data: str) -> Press | None:
        """The press `data` stands for in this chat, or None if it is malformed or forged."""
        fields = self.verify(chat_id, data, PREFIX)
        if fields is None or len(fields) != 3 or not fields[1]:
            return None
        version, action, arg = fields
        if not _VERSION.fullmatch(version):
            return None
        return Press(int(version, 36), action, arg)

    def _mac(self, chat_id: int, body: str) -> str:
        digest = hmac.new(self._key, f"{chat_id}{_SEPARATOR}{body}".encode(), "sha256").digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]


def ref(item_id: str) -> str:
    """How a content id travels in callback data: itself, or "~" and a digest if long."""
    if len(item_id) <= REF_CHARS:
        return item_id
    digest = hashlib.sha256(item_id.encode()).digest()
    return "~" + base64.urlsafe_b64encode(digest).decode()[:_REF_DIGEST_CHARS]


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

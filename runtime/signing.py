"""Signed callback data: short, bound to one chat, shared by the bot and the delivery engine.

Format: `<family>|<field>|...|<mac>`, at most 64 bytes (Telegram's limit). The MAC is an
HMAC over the chat id and everything before it, keyed by a secret derived from the bot
token, so edited payloads and buttons copied from another chat are detected before any
handler reads a field; each handler then parses its family's fields strictly.

It lives in runtime/ (not bot/) because the delivery engine sends buttons too: the tip
buttons and quiz answers on scheduled messages are signed here and verified by the bot,
and the two agree because both derive the key from the same token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAX_BYTES = 64
_MAC_CHARS = 10  # 60 bits: forging one by trial would take ~10^18 taps
SEPARATOR = "|"
# Content ids longer than this travel as a digest, so a button with an id and an
# argument still fits in 64 bytes (ids may have up to 48 characters).
REF_CHARS = 32
_REF_DIGEST_CHARS = 12


class CallbackCodec:
    """Signs and verifies callback data for one bot token."""

    def __init__(self, bot_token: str) -> None:
        # Derived, never the token itself, so the MAC key cannot leak the token.
        self._key = hashlib.sha256(b"magbot/callback-data/v1\0" + bot_token.encode()).digest()

    def sign(self, chat_id: int, family: str, *fields: str) -> str:
        """Callback data carrying `fields` for the `family` handler, valid in `chat_id` only."""
        if not family or any(SEPARATOR in part for part in (family, *fields)):
            raise ValueError(f"bad callback family/fields: {family!r} {fields!r}")
        body = SEPARATOR.join((family, *fields))
        data = f"{body}{SEPARATOR}{self._mac(chat_id, body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def verify(self, chat_id: int, data: str, family: str) -> tuple[str, ...] | None:
        """The fields of `data`, if it is `family`'s and was signed for this chat; else None."""
        if len(data.encode()) > MAX_BYTES:
            return None
        body, separator, mac = data.rpartition(SEPARATOR)
        parts = body.split(SEPARATOR)
        if not separator or parts[0] != family:
            return None
        # Bytes, because compare_digest refuses non-ASCII str (forged data may be any text).
        if not hmac.compare_digest(mac.encode(), self._mac(chat_id, body).encode()):
            return None
        return tuple(parts[1:])

    def _mac(self, chat_id: int, body: str) -> str:
        # The one-shot digest runs in C without building an HMAC object: the engine signs
        # four buttons for every tip it sends. It also lets go of the GIL for each call, and
        # that was measured to matter: an HMAC computed from hashlib states, which keeps the
        # GIL, made /settings (13 buttons) wait 93 ms at the median instead of 15 ms in
        # benchmarks/load.py at 150 updates/s on SQLite (docs/benchmarks.md, 2026-12-01).
        digest = hmac.digest(self._key, f"{chat_id}{SEPARATOR}{body}".encode(), "sha256")
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]


def ref(item_id: str) -> str:
    """How a content id travels in callback data: itself, or "~" and a digest if long."""
    if len(item_id) <= REF_CHARS:
        return item_id
    digest = hashlib.sha256(item_id.encode()).digest()
    return "~" + base64.urlsafe_b64encode(digest).decode()[:_REF_DIGEST_CHARS]


def base36(number: int) -> str:
    """`number` (not negative) in base 36: compact counters and ids inside callback data."""
    if number < 0:
        raise ValueError("base 36 numbers here are not negative")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text

"""Callback data of the settings menus, on top of the signed codec in runtime/signing.py.

Every button the bot sends is signed and bound to one chat (see runtime/signing.py for the
format and the MAC). The settings menus are the family `st`:
`st|<menu version, base 36>|<action>|<argument>|<mac>`. The menu version makes buttons of
older menus expire: each new menu bumps the chat's version.

The codec, `MAX_BYTES`, `REF_CHARS` and `ref` are re-exported so the bot's modules keep one
import for everything about callback data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runtime import signing
from runtime.signing import MAX_BYTES, REF_CHARS, ref

__all__ = ["MAX_BYTES", "PATTERN", "PREFIX", "REF_CHARS", "CallbackCodec", "Press", "ref"]

PREFIX = "st"
PATTERN = rf"^{PREFIX}\|"
_VERSION = re.compile(r"[0-9a-z]{1,13}")


@dataclass(frozen=True)
class Press:
    """A verified button press: which menu version it came from and what it asks for."""

    version: int
    action: str
    arg: str = ""


class CallbackCodec(signing.CallbackCodec):
    """The signed codec plus the settings family's encoding; signs exactly like its base."""

    def encode(self, chat_id: int, version: int, action: str, arg: str = "") -> str:
        if not action:
            raise ValueError(f"bad callback action: {action!r}")
        return self.sign(chat_id, PREFIX, signing.base36(version), action, arg)

    def decode(self, chat_id: int, data: str) -> Press | None:
        """The press `data` stands for in this chat, or None if it is malformed or forged."""
        fields = self.verify(chat_id, data, PREFIX)
        if fields is None or len(fields) != 3 or not fields[1]:
            return None
        version, action, arg = fields
        if not _VERSION.fullmatch(version):
            return None
        return Press(int(version, 36), action, arg)
